// html.mjs reads pages the way the pinned Observatory does: <meta> policies
// from JSDOM.fragment (the Content-Security-Policy and referrer reader) and
// script sources from a JSDOM document (the Subresource Integrity test).
// Input: one JSON array of pages on stdin. Output: one JSON array with, per
// page, {"csp": [contents], "referrer": [content], "scripts": [src]}.
import { JSDOM } from "jsdom";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map((html) => {
  const csp = [];
  let referrer = [];
  for (const meta of JSDOM.fragment(html).querySelectorAll("meta")) {
    if (meta.hasAttribute("http-equiv") && meta.hasAttribute("content")) {
      const equiv = meta.getAttribute("http-equiv")?.toLowerCase().trim();
      const content = meta.getAttribute("content");
      if (content && equiv === "content-security-policy") csp.push(content);
    } else if (meta.getAttribute("name")?.toLowerCase().trim() === "referrer") {
      const content = meta.getAttribute("content");
      if (content) referrer = [content];
    }
  }
  const scripts = [];
  for (const script of new JSDOM(html).window.document.querySelectorAll("script")) {
    if (script.src) scripts.push(script.src);
  }
  return { csp, referrer, scripts };
});
process.stdout.write(JSON.stringify(out));
