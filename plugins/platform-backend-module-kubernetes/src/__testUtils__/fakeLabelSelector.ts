/** Whether an object's labels match a selector. */
export type LabelSelector = (labels: Record<string, string>) => boolean;

/** A label selector as the API server reads it: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-joined. */
export function parseSelector(selector: string | null): LabelSelector {
  const terms = (selector ?? '')
    .split(',')
    .map(term => term.trim())
    .filter(Boolean)
    .map(term => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
      if (notEqual) {
        return (l: Record<string, string>) => l[notEqual[1]] !== notEqual[2];
      }
      const equal = /^([^!=]+)==?(.*)$/.exec(term);
      if (equal) {
        return (l: Record<string, string>) => l[equal[1]] === equal[2];
      }
      if (term.startsWith('!')) {
        return (l: Record<string, string>) => !(term.slice(1) in l);
      }
      return (l: Record<string, string>) => term in l;
    });
  return labels => terms.every(term => term(labels));
}
