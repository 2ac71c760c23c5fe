// The console's router: #/ (dashboards), #/d/<uid>, #/logs, #/traces, #/trace/<id>, #/alerts, #/rules.
import { renderAlerts } from './alerts.js';
import { renderDashboard, renderDashboardList } from './dashboard.js';
import { h } from './dom.js';
import { renderLogs } from './logs.js';
import { renderRules } from './rules.js';
import { renderTrace, renderTraceSearch } from './traces.js';

const main = document.getElementById('main');

async function route() {
  const path = (location.hash.slice(1) || '/').split('?')[0];
  const section = path.startsWith('/logs')
    ? 'logs'
    : path.startsWith('/trace')
      ? 'traces'
      : path.startsWith('/alerts')
        ? 'alerts'
        : path.startsWith('/rules')
          ? 'rules'
          : 'dashboards';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.nav === section);
  main.dataset.page = section;
  try {
    const dash = /^\/d\/([\w-]+)$/.exec(path);
    const trace = /^\/trace\/([0-9a-fA-F]+)$/.exec(path);
    if (dash) await renderDashboard(main, dash[1]);
    else if (trace) await renderTrace(main, trace[1]);
    else if (path.startsWith('/logs')) renderLogs(main);
    else if (path.startsWith('/traces')) await renderTraceSearch(main);
    else if (path.startsWith('/alerts')) await renderAlerts(main);
    else if (path.startsWith('/rules')) await renderRules(main);
    else await renderDashboardList(main);
  } catch (err) {
    main.replaceChildren(h('h1', {}, 'Error'), h('div', { class: 'error' }, err.message));
  }
}

// Pages update their own query parameters with history.replaceState, which fires no hashchange.
window.addEventListener('hashchange', route);
route();
