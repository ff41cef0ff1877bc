#!/usr/bin/env bash
# Audits the production dependencies: fails on any high or critical advisory. A registry whose
# audit service cannot answer (HTTP error, unreachable) is reported as such and does not fail the
# run: no answer is not a finding. Anything else npm reports (e.g. a broken lockfile) fails.
# Extra arguments go to npm audit (e.g. --registry); so do npm_config_* variables.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

report=$(mktemp)
trap 'rm -f "$report"' EXIT
npm audit --omit=dev --audit-level=high --json "$@" >"$report" 2>/dev/null
status=$?

# npm --json prints either an audit report ({auditReportVersion, metadata.vulnerabilities}) or,
# when the audit endpoint failed, {message, statusCode?, uri?, error: {summary, detail}}.
node --input-type=module - "$report" "$status" <<'EOF'
import { readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
let report;
try {
  report = JSON.parse(text);
} catch {
  console.error(`npm audit failed (exit ${status}) without a JSON answer:\n${text}`);
  process.exit(1);
}

if (report.auditReportVersion !== undefined) {
  const counts = report.metadata?.vulnerabilities ?? {};
  const serious = Object.values(report.vulnerabilities ?? {}).filter(
    (entry) => entry.severity === 'high' || entry.severity === 'critical',
  );
  if (serious.length === 0) {
    console.log(`npm audit: no high or critical advisories in production dependencies (${counts.total ?? 0} lower)`);
    process.exit(0);
  }
  console.error(`npm audit: ${serious.length} production package(s) with high or critical advisories:`);
  for (const entry of serious) {
    const titles = entry.via.filter((via) => typeof via === 'object').map((via) => `${via.title} (${via.url})`);
    console.error(`  ${entry.name} ${entry.range} [${entry.severity}]${titles.length ? `: ${titles.join('; ')}` : ''}`);
  }
  process.exit(1);
}

// The audit endpoint did not answer: an HTTP error status, or a connection that failed.
const NETWORK = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/;
const code = report.error?.code;
const unavailable =
  code === 'ENOAUDIT' ||
  NETWORK.test(code ?? '') ||
  (typeof report.message === 'string' && (typeof report.statusCode === 'number' || NETWORK.test(report.message)));
if (unavailable) {
  console.log(`npm audit: NOT CHECKED: the registry's audit service did not answer (${report.message ?? code}).`);
  console.log('This is not a finding; run scripts/audit.sh against a registry that serves audits.');
  process.exit(0);
}
console.error(`npm audit failed (exit ${status}):\n${text}`);
process.exit(1);
EOF
