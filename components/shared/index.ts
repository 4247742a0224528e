// What every part of the system shares: container defaults, labels, the networks and
// the host-command helper. Parts import from here, never from one another's files.
export * from "./containerDefaults";
export * from "./hostCommand";
export * from "./networks";
export { LABELS, labelArgs } from "./labels";
export * from "./generatedPassword";
