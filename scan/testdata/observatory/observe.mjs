// observe.mjs runs the pinned HTTP Observatory scanner over hosts, in one
// process, one host at a time, and prints one JSON object per host:
//
//	node observe.mjs 127.0.0.1:PORT [127.0.0.1:PORT ...]
//
// Each line is {"host", "grade", "score", "tests": {name: {result, pass,
// scoreModifier}}} or {"host", "error"}. HTTPS trust comes from the
// NODE_EXTRA_CA_CERTS environment variable of this process.
import { scan } from "@mdn/mdn-http-observatory";

for (const host of process.argv.slice(2)) {
  let line;
  try {
    const r = await scan(host);
    const tests = {};
    for (const [name, t] of Object.entries(r.tests)) {
      tests[name] = { result: t.result, pass: t.pass, scoreModifier: t.scoreModifier };
    }
    line = { host, grade: r.scan.grade, score: r.scan.score, tests };
  } catch (e) {
    line = { host, error: e instanceof Error ? e.message : String(e) };
  }
  process.stdout.write(JSON.stringify(line) + "\n");
}
