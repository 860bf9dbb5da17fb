// `flowstage dashboard`: the public entry of the live web dashboard (docs/dashboard.md).
export { startDashboard } from './server.js';
export type { Dashboard, DashboardOptions } from './server.js';
