/** The one function of fontkit (no types of its own) that the letters use: a font parsed from its file's bytes. */
declare module 'fontkit' {
  export function create(buffer: Uint8Array): unknown;
}
