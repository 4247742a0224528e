// What every part of the system shares: container defaults, labels, the networks and
// the host-command helper. Parts import from here, never from one another's files.
export * from "./containerDefaults";
export * from "./generatedPassword";
export * from "./hostCommand";
export { labelArgs, LABELS } from "./labels";
export * from "./networks";
export * from "./secretFilesWriter";
