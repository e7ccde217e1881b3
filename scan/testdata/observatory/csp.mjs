// csp.mjs parses Content-Security-Policy lists with the pinned Observatory's
// parser. Input: one JSON array of policy lists on stdin. Output: one JSON
// array with, per list, {"directives": {name: [sources in order]},
// "duplicates": [...]} or {"error": true}.
import { parseCsp, DUPLICATE_WARNINGS_KEY } from "@mdn/mdn-http-observatory/src/analyzer/cspParser.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map((list) => {
  try {
    const m = parseCsp(list);
    const directives = {};
    let duplicates = [];
    for (const [k, v] of m) {
      if (k === DUPLICATE_WARNINGS_KEY) duplicates = [...v];
      else directives[k] = [...v];
    }
    return { directives, duplicates };
  } catch {
    return { error: true };
  }
});
process.stdout.write(JSON.stringify(out));
