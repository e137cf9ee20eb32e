/// <reference lib="dom" />
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type Execution, type Flow, SIGN_IN_URL, api } from './api';
import { Labels } from './backfill-details';
import { useLogFollow } from './log-follow';
import { TriggersPage } from './triggers-page';
import { TriggersTab } from './triggers-tab';
import { Duration, ErrorNote, StateBadge, Time, html, usePoll } from './ui';

const TERMINAL = ['SUCCESS', 'FAILED', 'KILLED'];
const enc = encodeURIComponent;

type Route =
  | { page: 'flows' }
  | { page: 'flow'; namespace: string; id: string; tab: 'overview' | 'triggers' | 'executions'; query: string }
  | { page: 'execution'; id: string }
  | { page: 'triggers'; query: string }
  | { page: 'missing' };

function parseRoute(hash: string): Route {
  // Filters ride in the hash after `?` (e.g. `#/flows/dev/f/executions?labels=reason:outage`), so a
  // filtered list can be bookmarked, shared and reached again with Back.
  const [path = '', query = ''] = hash.split('?', 2); // split gives at least one part
  const parts = path.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [section, second, third, fourth] = parts;
  if (section === undefined || (section === 'flows' && parts.length === 1)) return { page: 'flows' };
  if (section === 'flows' && second !== undefined && third !== undefined) {
    const tab = (fourth ?? 'overview') as 'overview' | 'triggers' | 'executions';
    if (['overview', 'triggers', 'executions'].includes(tab)) return { page: 'flow', namespace: second, id: third, tab, query };
  }
  if (section === 'executions' && second !== undefined && parts.length === 2) return { page: 'execution', id: second };
  if (section === 'triggers' && parts.length === 1) return { page: 'triggers', query };
  return { page: 'missing' };
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

const flowHref = (ns: string, id: string, tab = '') => `#/flows/${enc(ns)}/${enc(id)}${tab ? `/${tab}` : ''}`;

function FlowsPage() {
  const { data, error } = usePoll(() => api.flows(), 5000, []);
  useEffect(() => {
    document.title = 'Flows · Backfills';
  }, []);
  return html`<main>
    <h1>Flows</h1>
    <${ErrorNote} error=${error} />
    ${
      !data
        ? error
          ? null
          : html`<p class="loading">Loading…</p>`
        : data.results.length === 0
          ? html`<p class="muted">No flows yet: POST one to <code>/api/v1/flows</code>.</p>`
          : html`<div class="table-wrap"><table>
            <thead><tr><th scope="col">Namespace</th><th scope="col">Flow</th><th scope="col">Triggers</th><th scope="col">Revision</th></tr></thead>
            <tbody>${data.results.map(
              (f) => html`<tr key=${`${f.namespace}.${f.id}`}>
                <td>${f.namespace}</td>
                <td><a href=${flowHref(f.namespace, f.id)}>${f.id}</a>${f.description ? html`<div class="muted small">${f.description}</div>` : null}</td>
                <td>${f.triggers.length ? html`<a href=${flowHref(f.namespace, f.id, 'triggers')}>${f.triggers.length}</a>` : '0'}</td>
                <td>${f.revision}</td>
              </tr>`,
            )}</tbody>
          </table></div>`
    }
  </main>`;
}

function FlowPage({ namespace, id, tab, query }: { namespace: string; id: string; tab: 'overview' | 'triggers' | 'executions'; query: string }) {
  const { data: flow, error } = usePoll(() => api.flow(namespace, id), 0, [namespace, id]);
  useEffect(() => {
    document.title = `${namespace}.${id} · Backfills`;
  }, [namespace, id]);
  const tabs = [
    ['overview', 'Overview'],
    ['triggers', 'Triggers'],
    ['executions', 'Executions'],
  ] as const;
  return html`<main>
    <nav class="crumbs" aria-label="Breadcrumb"><a href="#/flows">Flows</a> / <span>${namespace}</span></nav>
    <h1>${id}</h1>
    <nav class="tabs" aria-label="Flow sections">
      ${tabs.map(([key, label]) => html`<a href=${flowHref(namespace, id, key)} class=${tab === key ? 'tab active' : 'tab'} aria-current=${tab === key ? 'page' : undefined}>${label}</a>`)}
    </nav>
    <${ErrorNote} error=${error} />
    ${
      !flow
        ? error
          ? null
          : html`<p class="loading">Loading…</p>`
        : tab === 'overview'
          ? html`<section aria-label="Flow source"><pre class="source"><code>${flow.source}</code></pre></section>`
          : tab === 'triggers'
            ? html`<${TriggersTab} flow=${flow} />`
            : html`<${ExecutionsTab} flow=${flow} query=${query} />`
    }
  </main>`;
}

interface ExecutionFilters {
  labels: string[];
  state: string;
  page: number;
}

function readFilters(query: string): ExecutionFilters {
  const params = new URLSearchParams(query);
  const page = Number(params.get('page'));
  return { labels: params.getAll('labels'), state: params.get('state') ?? '', page: Number.isInteger(page) && page > 1 ? page : 1 };
}

function executionsHref(flow: Flow, filters: ExecutionFilters): string {
  const params = new URLSearchParams();
  for (const label of filters.labels) params.append('labels', label);
  if (filters.state) params.set('state', filters.state);
  if (filters.page > 1) params.set('page', String(filters.page));
  const query = params.toString();
  return flowHref(flow.namespace, flow.id, 'executions') + (query ? `?${query}` : '');
}

function ExecutionsTab({ flow, query }: { flow: Flow; query: string }) {
  const { labels: applied, state, page } = readFilters(query);
  const show = (next: Partial<ExecutionFilters>) => {
    location.hash = executionsHref(flow, { labels: applied, state, page, ...next });
  };
  const appliedText = applied.join(' ');
  const [filter, setFilter] = useState(appliedText);
  // Back/forward or an edited URL changes the applied labels: the input follows, at that render
  // (an effect would run after the first paint too, and could wipe what someone just typed).
  const [shownFor, setShownFor] = useState(appliedText);
  if (shownFor !== appliedText) {
    setShownFor(appliedText);
    setFilter(appliedText);
  }
  const setPage = (next: number) => show({ page: next });
  const size = 25;
  const { data, error } = usePoll(() => api.executions({ namespace: flow.namespace, flowId: flow.id, labels: applied, state, page, size }), 2000, [
    flow.namespace,
    flow.id,
    applied.join(','),
    state,
    page,
  ]);
  const pages = data ? Math.max(1, Math.ceil(data.total / size)) : 1;
  // Past the search's counting bound `total` is "at least": there may be pages after the last one counted.
  const more = data?.totalIsLowerBound ?? false;
  const count = data ? `${data.total.toLocaleString('en-US')}${more ? '+' : ''}` : '';
  return html`<section aria-label="Executions">
    <form class="filters" onSubmit=${(e: Event) => {
      e.preventDefault();
      show({
        labels: filter
          .split(/[,\s]+/)
          .map((s) => s.trim())
          .filter(Boolean),
        page: 1,
      });
    }}>
      <div class="field">
        <label for="label-filter">Labels</label>
        <input id="label-filter" placeholder="reason:outage" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="state-filter">State</label>
        <select id="state-filter" value=${state} onChange=${(e: Event) => show({ state: (e.target as HTMLSelectElement).value, page: 1 })}>
          <option value="">Any</option>
          ${['CREATED', 'RUNNING', 'SUCCESS', 'FAILED', 'KILLED'].map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </div>
      <button type="submit" class="secondary">Filter</button>
    </form>
    <${ErrorNote} error=${error} />
    ${
      !data
        ? error
          ? null
          : html`<p class="loading">Loading…</p>`
        : html`<p class="muted">${count} execution${data.total === 1 && !more ? '' : 's'}${applied.length ? ` with ${applied.join(', ')}` : ''}</p>
        ${
          data.results.length
            ? html`<div class="table-wrap"><table class="executions">
              <thead><tr><th scope="col">Id</th><th scope="col">State</th><th scope="col">Trigger date</th><th scope="col">Started</th><th scope="col">Labels</th></tr></thead>
              <tbody>${data.results.map(
                (x: Execution) => html`<tr key=${x.id}>
                <td data-label="Id"><a href=${`#/executions/${enc(x.id)}`} class="mono">${x.id}</a></td>
                <td data-label="State"><${StateBadge} state=${x.state.current} /></td>
                <td data-label="Trigger date"><${Time} iso=${x.trigger?.variables?.date} /></td>
                <td data-label="Started"><${Time} iso=${x.state.startDate} /></td>
                <td data-label="Labels"><${Labels} labels=${x.labels} /></td>
              </tr>`,
              )}</tbody>
            </table></div>
            <nav class="pager" aria-label="Pages">
              <button type="button" class="secondary" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous</button>
              <span>Page ${page} of ${pages}${more ? '+' : ''}</span>
              <button type="button" class="secondary" disabled=${page >= pages && !more} onClick=${() => setPage(page + 1)}>Next</button>
            </nav>`
            : null
        }`
    }
  </section>`;
}

function ExecutionPage({ id }: { id: string }) {
  const [done, setDone] = useState(false);
  const { data: x, error } = usePoll(() => api.execution(id), done ? 0 : 1500, [id, done]);
  const { lines: logs } = useLogFollow(id, done);
  useEffect(() => {
    if (x && TERMINAL.includes(x.state.current)) setDone(true);
  }, [x?.state.current]);
  useEffect(() => {
    document.title = `Execution ${id} · Backfills`;
  }, [id]);
  return html`<main>
    ${
      x
        ? html`<nav class="crumbs" aria-label="Breadcrumb"><a href="#/flows">Flows</a> / <span>${x.namespace}</span> / <a href=${flowHref(x.namespace, x.flowId, 'executions')}>${x.flowId}</a></nav>`
        : null
    }
    <h1 class="wrap">Execution <span class="mono">${id}</span></h1>
    <${ErrorNote} error=${error} />
    ${
      !x
        ? error
          ? null
          : html`<p class="loading">Loading…</p>`
        : html`<dl class="details">
          <dt>State</dt><dd><${StateBadge} state=${x.state.current} /></dd>
          <dt>Trigger date</dt><dd><${Time} iso=${x.trigger?.variables?.date} /></dd>
          <dt>Started</dt><dd><${Time} iso=${x.state.startDate} /></dd>
          <dt>Ended</dt><dd><${Time} iso=${x.state.endDate} /></dd>
          <dt>Duration</dt><dd><${Duration} iso=${x.state.duration} /></dd>
          <dt>Labels</dt><dd><${Labels} labels=${x.labels} /></dd>
          <dt>Inputs</dt><dd>${x.inputs && Object.keys(x.inputs).length ? html`<code class="wrap">${JSON.stringify(x.inputs)}</code>` : html`<span class="muted">none</span>`}</dd>
        </dl>
        <h2>Task runs</h2>
        ${
          x.taskRunList?.length
            ? html`<div class="table-wrap"><table class="taskruns">
              <thead><tr><th scope="col">Task</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Duration</th></tr></thead>
              <tbody>${x.taskRunList.map(
                (t) => html`<tr>
                <td data-label="Task"><code>${t.taskId}</code></td>
                <td data-label="State"><${StateBadge} state=${t.state.current} /></td>
                <td data-label="Started"><${Time} iso=${t.state.startDate} /></td>
                <td data-label="Duration"><${Duration} iso=${t.state.duration} /></td>
              </tr>`,
              )}</tbody>
            </table></div>`
            : html`<p class="muted">No task has run yet.</p>`
        }
        <h2>Logs</h2>
        ${
          logs?.length
            ? html`<ol class="logs" aria-label="Logs">${logs.map(
                (l) => html`<li class=${`log level-${l.level.toLowerCase()}`}>
              <${Time} iso=${l.timestamp} /> <span class="level">${l.level}</span> ${l.taskId ? html`<code>${l.taskId}</code>` : null}
              <span class="message">${l.message}</span>
            </li>`,
              )}</ol>`
            : html`<p class="muted">No logs yet.</p>`
        }`
    }
  </main>`;
}

function App() {
  const route = useRoute();
  return html`<div class="shell">
    <header class="top">
      <a href="#/flows" class="brand">Backfills <span class="muted">for Kestra schedules</span></a>
      <nav class="top-nav" aria-label="Sections">
        <a href="#/flows" aria-current=${route.page === 'flows' || route.page === 'flow' ? 'page' : undefined}>Flows</a>
        <a href="#/triggers" aria-current=${route.page === 'triggers' ? 'page' : undefined}>Triggers</a>
        ${SIGN_IN_URL ? html`<a href="/ui/signout" class="sign-out">Sign out</a>` : null}
      </nav>
    </header>
    ${
      route.page === 'flows'
        ? html`<${FlowsPage} />`
        : route.page === 'flow'
          ? html`<${FlowPage} key=${`${route.namespace}.${route.id}`} namespace=${route.namespace} id=${route.id} tab=${route.tab} query=${route.query} />`
          : route.page === 'execution'
            ? html`<${ExecutionPage} key=${route.id} id=${route.id} />`
            : route.page === 'triggers'
              ? html`<${TriggersPage} query=${route.query} />`
              : html`<main><h1>Not found</h1><p><a href="#/flows">Back to flows</a></p></main>`
    }
  </div>`;
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading…" placeholder
render(html`<${App} />`, root);
