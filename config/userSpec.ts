// Whether a Docker `user` value runs as root, shared by the config schema and the
// policy pack. Docker parses uid and gid as numbers, so "00", "000:5" and "1000:0"
// are root (uid 0 or gid 0) in disguise: compare numbers, never strings.

/** Largest uid/gid Linux accepts (2^31 - 1; -1 is reserved). */
export const MAX_ID = 2147483646;

const NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/** uid[:gid] in numbers (at most 10 digits each). */
export const NUMERIC_USER = /^(\d{1,10})(?::(\d{1,10}))?$/;

/** Why `user` is not an acceptable non-root user, or undefined when it is. */
export function rootUserProblem(user: string): string | undefined {
  if (NAME.test(user)) return user === "root" ? "the root user" : undefined;
  const m = NUMERIC_USER.exec(user);
  if (!m) return "not a user name or uid[:gid]";
  const uid = Number(m[1]);
  const gid = m[2] === undefined ? undefined : Number(m[2]);
  if (uid > MAX_ID || (gid !== undefined && gid > MAX_ID)) return `an id above ${MAX_ID}`;
  if (uid === 0) return "uid 0 (root)";
  if (gid === 0) return "gid 0 (the root group)";
  return undefined;
}
