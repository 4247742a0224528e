// Types of imageRef.js (plain JavaScript so that Node scripts without TypeScript share it).
export interface ImageRef {
  /** Registry + path, e.g. `ghcr.io/acme/taskflow-api`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` when the reference carries a digest. */
  digest?: string;
}
export function parseImageRef(ref: string): ImageRef | undefined;
export function isImmutableTag(tag: string): boolean;
export function isPinned(ref: ImageRef): boolean;
export function versionOf(ref: ImageRef): string | undefined;
