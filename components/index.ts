// The program's components, one folder per part of the system. A part's files import
// from their own part, from shared/, and from another part only through its index;
// taskflowStack.ts composes the parts (tests/unit/layout.test.ts holds these rules).
export * from "./api";
export * from "./data";
export * from "./gates";
export * from "./gateway";
export * from "./github";
export * from "./shared";
export * from "./taskflowStack";
