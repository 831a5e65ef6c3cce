// picomatch ships no types; this is the part of its API the tools use (https://github.com/micromatch/picomatch).
declare module 'picomatch' {
  interface PicomatchOptions {
    /** Lets `*` and `**` match names that start with a dot. @default false */
    readonly dot?: boolean;
  }
  /** A matcher for one glob or any of several; throws on an empty glob. */
  function picomatch(glob: string | readonly string[], options?: PicomatchOptions): (path: string) => boolean;
  export = picomatch;
}
