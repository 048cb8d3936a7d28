/** "Did you mean …?" for the CLI: the candidate nearest to a mistyped word by edit distance. */

/** Levenshtein distance (insert, delete, substitute), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The nearest candidate, when it is near enough to be a typo: at most a third of the word's
 * length away (and at least 1 edit), or one the word starts with or is the start of.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.candidate.length) / 3));
  if (best.distance <= limit) return best.candidate;
  return candidates.find((candidate) => candidate.startsWith(word) || word.startsWith(candidate));
}

export function didYouMean(word: string, candidates: readonly string[], prefix = ''): string {
  const match = nearest(word, candidates);
  return match ? `; did you mean ${prefix}${match}?` : '';
}
