/**
 * infra/monitoring against the code: every metric the Grafana dashboard and the Prometheus rules
 * name is one a service really exports (read from the services' own registries, default
 * process metrics included), and alerts.yml has the shape of a Prometheus rule file. promtool,
 * when installed (Debian: the prometheus package), checks the rules as Prometheus would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { Metrics } from '@cfund/command-service';
import { NotificationMetrics } from '@cfund/notification-service';
import { ProjectionMetrics } from '@cfund/projection-service';

const dir = fileURLToPath(new URL('../monitoring/', import.meta.url));
const alertsFile = `${dir}alerts.yml`;

/** Every series name the services export, by metric type (histograms add _bucket, _sum, _count). */
async function exportedSeries(): Promise<Set<string>> {
  const series = new Set<string>();
  for (const metrics of [new Metrics(), new ProjectionMetrics(), new NotificationMetrics()]) {
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      const type = String(metric.type);
      const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
      for (const suffix of suffixes) series.add(`${metric.name}${suffix}`);
    }
  }
  return series;
}

/** Prometheus's own series that the files may use besides the services'. */
const PROMETHEUS_SERIES = new Set(['up']);

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN']);

/** The metric names in PromQL text: identifiers that are neither functions, aggregations, keywords nor labels. */
function metricNames(expr: string): string[] {
  const plain = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...plain.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*/g)]
    .filter((m) => !/^\s*\(/.test(plain.slice(m.index + m[0].length))) // a function or an aggregation
    .map((m) => m[0])
    .filter((word) => !KEYWORDS.has(word));
}

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleFile { groups: { name: string; rules: Rule[] }[] }

const dashboard = JSON.parse(readFileSync(`${dir}grafana-dashboard.json`, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ where: `dashboard panel "${p.title}"`, expr: target.expr })));
const rules = parse(readFileSync(alertsFile, 'utf8')) as RuleFile;

t.test('metricNames reads the metrics of an expression, not its labels or functions', async (t) => {
  t.same(
    metricNames('histogram_quantile(0.99, sum by (job, le) (rate(cfund_http_request_duration_seconds_bucket{status=~"5.."}[5m]))) / up > 1'),
    ['cfund_http_request_duration_seconds_bucket', 'up'],
  );
});

t.test('every metric of the dashboard and the alert rules is exported by a service', async (t) => {
  const exported = await exportedSeries();
  const uses = [...dashboardExprs, ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })))];
  t.ok(uses.length > 20, `${uses.length} expressions`);
  const unknown = uses.flatMap(({ where, expr }) => metricNames(expr).filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name)).map((name) => `${where}: ${name}`));
  t.same(unknown, []);
  // The check can fail: a name no service exports is reported.
  t.same(metricNames('rate(cfund_no_such_thing_total[5m])').filter((n) => !exported.has(n)), ['cfund_no_such_thing_total']);
});

t.test('alerts.yml is a Prometheus rule file', async (t) => {
  t.ok(Array.isArray(rules.groups) && rules.groups.length > 0, 'groups');
  const names = new Set<string>();
  for (const group of rules.groups) {
    t.type(group.name, 'string');
    t.notOk(names.has(group.name), `group ${group.name} is named once`);
    names.add(group.name);
    t.ok(Array.isArray(group.rules) && group.rules.length > 0, `${group.name} has rules`);
    for (const rule of group.rules) {
      const label = rule.alert ?? rule.record ?? '(unnamed)';
      t.ok(Boolean(rule.alert) !== Boolean(rule.record), `${label}: alert or record`);
      t.type(rule.expr, 'string', `${label}: expr`);
      if (rule.for !== undefined) t.match(rule.for, /^\d+[smhdwy]$/, `${label}: for is a duration`);
      const allowed = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
      t.same(Object.keys(rule).filter((k) => !allowed.has(k)), [], `${label}: only the rule fields`);
      if (rule.alert) t.match(rule.labels?.severity ?? '', /^(critical|warning|info)$/, `${label}: severity`);
    }
  }
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const noPromtool = promtool.error || promtool.status !== 0 ? 'promtool is not installed (Debian: apt-get install prometheus)' : undefined;

t.test('promtool accepts the rules', { skip: noPromtool }, async (t) => {
  const result = spawnSync('promtool', ['check', 'rules', alertsFile], { encoding: 'utf8' });
  t.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  // The check can fail: an expression that does not parse.
  const dir = mkdtempSync(join(tmpdir(), 'cfund-rules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'broken.yml'), 'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: rate(cfund_http_requests_total[5m]\n');
  t.not(spawnSync('promtool', ['check', 'rules', join(dir, 'broken.yml')]).status, 0);
});
