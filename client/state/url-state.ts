/**
 * The page URL carries what to reopen: `?flow=<id>&run=<runId>` (also `/flows/<id>`), so a reload
 * mid-run comes back to the same run and tests and people can deep-link.
 */
export interface UrlState {
  flow?: string;
  run?: string;
}

export function readUrlState(location: Pick<Location, 'pathname' | 'search'> = window.location): UrlState {
  const params = new URLSearchParams(location.search);
  const state: UrlState = {};
  const path = /^\/flows\/([^/]+)\/?$/.exec(location.pathname);
  const flow = params.get('flow') ?? (path ? decodeURIComponent(path[1]!) : null);
  if (flow) state.flow = flow;
  const run = params.get('run');
  if (run) state.run = run;
  return state;
}

export function urlFor(state: UrlState): string {
  const params = new URLSearchParams();
  if (state.flow) params.set('flow', state.flow);
  if (state.run) params.set('run', state.run);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

export function writeUrlState(patch: UrlState & { [key in keyof UrlState]?: string | undefined }): void {
  const current = readUrlState();
  const next: UrlState = { ...current };
  for (const key of ['flow', 'run'] as const) {
    if (key in patch) {
      const value = patch[key];
      if (value) next[key] = value;
      else delete next[key];
    }
  }
  const url = urlFor(next);
  if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, '', url);
}
