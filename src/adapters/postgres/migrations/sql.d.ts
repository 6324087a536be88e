/** A migration imported as `./migrations/NNN-name.sql?raw` is its text (see migrations.ts). */
declare module '*.sql?raw' {
  const text: string;
  export default text;
}
