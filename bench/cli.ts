// What the benchmark scripts share as command-line programs: their flags, a pause, and
// running `main` to an exit code.

/** The value after `flag` on the command line, or `fallback` when the flag is absent. */
export function flag(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
}

export const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** Runs `main` and exits with its code; an exception prints and exits 1. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
