// csp-evaluator.cjs — runs Google's CSP Evaluator (the csp_evaluator npm
// package) on one policy: its default checks, then its strict-CSP checks,
// as CSP3. Prints one line per finding and exits 1 when any finding is
// above INFO. Usage: node csp-evaluator.cjs 'POLICY' (NODE_PATH must reach
// the package; bench/lighthouse.sh installs it).
'use strict';
const {CspEvaluator, DEFAULT_CHECKS, STRICTCSP_CHECKS} = require('csp_evaluator/dist/evaluator.js');
const {CspParser} = require('csp_evaluator/dist/parser.js');
const {Severity} = require('csp_evaluator/dist/finding.js');
const {Version} = require('csp_evaluator/dist/csp.js');
const {checkHasConfiguredReporting} = require('csp_evaluator/dist/checks/security_checks.js');

const policy = process.argv[2];
if (!policy) {
  console.error('usage: csp-evaluator.cjs POLICY');
  process.exit(2);
}
let worst = Severity.NONE;
// The default checks judge the effective policy of a CSP3 browser (what
// 'strict-dynamic' and nonces leave of it), as the package's evaluate() does
// by default; the strict-CSP checks judge the policy as written, since the
// fallbacks they look for are what the effective form drops.
const runs = [
  ['default', (e) => e.evaluate(undefined, [...DEFAULT_CHECKS, checkHasConfiguredReporting])],
  ['strict', (e) => e.evaluate(STRICTCSP_CHECKS, [])],
];
for (const [name, run] of runs) {
  // Working out the effective policy notes each ignored source (severity
  // NONE), once per pass: the same note can come twice.
  const seen = new Set();
  const findings = run(new CspEvaluator(new CspParser(policy).csp, Version.CSP3)).filter((f) => {
    const k = [f.type, f.severity, f.directive, f.value, f.description].join('|');
    return !seen.has(k) && seen.add(k);
  });
  console.log(`csp-evaluator ${name} checks: ${findings.length} finding(s)`);
  for (const f of findings) {
    worst = Math.min(worst, f.severity);
    console.log(`  ${Severity[f.severity]} ${f.directive}${f.value ? ' ' + f.value : ''}: ${f.description}`);
  }
}
console.log(`csp-evaluator worst severity: ${Severity[worst]}`);
process.exit(worst < Severity.INFO ? 1 : 0);
