/**
 * Hash navigation (no router package): `#/designer`, `#/datasets`, `#/datasets/3`, `#/runs`,
 * `#/runs/new`, `#/runs/12`, `#/compare?runs=1,2`, `#/models`, `#/models/5`, `#/models/5/try`, `#/studies`,
 * `#/studies/new`, `#/studies/3`. Parsing
 * and printing are pure so tests cover them.
 */
export type Section = 'designer' | 'datasets' | 'runs' | 'compare' | 'models' | 'studies';

export type Route =
  | { section: 'designer' }
  | { section: 'datasets'; datasetId: number | null }
  | { section: 'runs'; view: 'list' }
  | { section: 'runs'; view: 'new' }
  | { section: 'runs'; view: 'monitor'; runId: number }
  | { section: 'compare'; runIds: number[] }
  /** A model's details, or its "Try it" page. */
  | { section: 'models'; modelId: number | null; view: 'details' | 'try' }
  /** The studies and the queue, one study, or a new study from a recipe or a file. */
  | { section: 'studies'; view: 'list' }
  | { section: 'studies'; view: 'new' }
  | { section: 'studies'; view: 'study'; studyId: number };

export const DEFAULT_ROUTE: Route = { section: 'designer' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query);
  const id = (text: string | undefined): number | null => (text && /^\d+$/.test(text) ? Number(text) : null);
  switch (parts[0]) {
    case 'designer':
      return { section: 'designer' };
    case 'datasets':
      return { section: 'datasets', datasetId: id(parts[1]) };
    case 'runs': {
      if (parts[1] === 'new') return { section: 'runs', view: 'new' };
      const runId = id(parts[1]);
      return runId === null ? { section: 'runs', view: 'list' } : { section: 'runs', view: 'monitor', runId };
    }
    case 'compare': {
      const runIds = (params.get('runs') ?? '').split(',').map((s) => id(s)).filter((n): n is number => n !== null);
      return { section: 'compare', runIds };
    }
    case 'models': {
      const modelId = id(parts[1]);
      return { section: 'models', modelId, view: modelId !== null && parts[2] === 'try' ? 'try' : 'details' };
    }
    case 'studies': {
      if (parts[1] === 'new') return { section: 'studies', view: 'new' };
      const studyId = id(parts[1]);
      return studyId === null ? { section: 'studies', view: 'list' } : { section: 'studies', view: 'study', studyId };
    }
    default:
      return DEFAULT_ROUTE;
  }
}

export function routeHash(route: Route): string {
  switch (route.section) {
    case 'designer':
      return '#/designer';
    case 'datasets':
      return route.datasetId === null ? '#/datasets' : `#/datasets/${route.datasetId}`;
    case 'runs':
      return route.view === 'list' ? '#/runs' : route.view === 'new' ? '#/runs/new' : `#/runs/${route.runId}`;
    case 'compare':
      return route.runIds.length > 0 ? `#/compare?runs=${route.runIds.join(',')}` : '#/compare';
    case 'models':
      return route.modelId === null ? '#/models' : `#/models/${route.modelId}${route.view === 'try' ? '/try' : ''}`;
    case 'studies':
      return route.view === 'list' ? '#/studies' : route.view === 'new' ? '#/studies/new' : `#/studies/${route.studyId}`;
  }
}
