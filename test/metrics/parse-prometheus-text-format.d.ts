// The parser ships no types: what test/metrics/prometheus-text.ts narrows it to.
declare module 'parse-prometheus-text-format' {
  const parse: (text: string) => unknown[];
  export default parse;
}
