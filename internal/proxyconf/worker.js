// The runtime of the generated Cloudflare Worker. proxyconf.Worker writes
// the policy's tables above it as one constant, policy (see workerTables
// in worker.go), and the module is this file as it is: no build step, no
// dependency. It applies the steps of the Go middleware (interp.Evaluate)
// to the request as the Worker receives it, and passes what the
// middleware passes to the origin with fetch(request).
//
// Strings that hold paths are byte strings: one character per byte, 0 to
// 255, as Go's strings hold the decoded path. Each function names the Go
// function it follows; the differential test (workerdiff_test.go) holds
// the whole to the interpreter under workerd.

// Go's unicode.IsSpace, for strings.TrimSpace and strings.Fields.
const SPACE = "[\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const TRIM_SPACE = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");
const FIELDS = new RegExp(SPACE + "+");

const encoder = new TextEncoder();

// bytes returns the byte string of a JavaScript string's UTF-8 encoding.
function bytes(s) {
  let out = "";
  for (const b of encoder.encode(s)) out += String.fromCharCode(b);
  return out;
}

// equalFold is Go's strings.EqualFold for an ASCII word a (a locale tag,
// a media type): s folds to it under Unicode simple folding, where
// U+017F folds to s and U+212A to k.
function equalFold(a, s) {
  const cs = Array.from(s);
  if (cs.length !== a.length) return false;
  for (let i = 0; i < cs.length; i++) {
    let c = cs[i];
    if (c === "\u017f") c = "s";
    else if (c === "\u212a") c = "k";
    else if (c.length === 1 && c >= "A" && c <= "Z") c = c.toLowerCase();
    let w = a[i];
    if (w >= "A" && w <= "Z") w = w.toLowerCase();
    if (c !== w) return false;
  }
  return true;
}

// ---- Paths (net/url and path, as Go's server reads a request target)

const HEX = "0123456789ABCDEF";

// shouldEscape is net/url's shouldEscape for encodePath.
function shouldEscape(c) {
  if (c >= 0x61 && c <= 0x7a || c >= 0x41 && c <= 0x5a || c >= 0x30 && c <= 0x39) return false;
  switch (String.fromCharCode(c)) {
    case "-": case "_": case ".": case "~":
    case "$": case "&": case "+": case ",": case "/": case ":": case ";": case "=": case "@":
      return false;
  }
  return true;
}

// escapePath is net/url's escape(s, encodePath), on a byte string.
function escapePath(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += shouldEscape(c) ? "%" + HEX[c >> 4] + HEX[c & 15] : s[i];
  }
  return out;
}

// validEncoded is net/url's validEncoded(s, encodePath).
function validEncoded(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if ("!$&'()*+,;=:@[]%".includes(c)) continue;
    if (shouldEscape(s.charCodeAt(i))) return false;
  }
  return true;
}

const isHex = (c) => /^[0-9A-Fa-f]$/.test(c);

// unescape is net/url's unescape(s, encodePath): null for a malformed
// escape, which Go's server refuses (400).
function unescape(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "%") { out += s[i]; continue; }
    if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) return null;
    out += String.fromCharCode(parseInt(s.substr(i + 1, 2), 16));
    i += 2;
  }
  return out;
}

// escapedPath is url.URL.EscapedPath.
function escapedPath(path, rawPath) {
  if (rawPath !== "" && validEncoded(rawPath) && unescape(rawPath) === path) return rawPath;
  if (path === "*") return "*";
  return escapePath(path);
}

// clean is Go's path.Clean.
function clean(p) {
  if (p === "") return ".";
  const rooted = p[0] === "/";
  const out = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(seg);
  }
  const s = out.join("/");
  if (rooted) return "/" + s;
  return s === "" ? "." : s;
}

// cleanPath is policy.CleanPath.
function cleanPath(p) {
  if (p === "") return "/";
  if (p[0] !== "/") p = "/" + p;
  let np = clean(p);
  if (p[p.length - 1] === "/" && np !== "/") {
    if (p.length === np.length + 1 && p.startsWith(np)) np = p;
    else np += "/";
  }
  return np;
}

// canonical is interp.Canonical.
function canonical(path, rawPath) {
  return rawPath === "" && path.startsWith("/") && cleanPath(path) === path && !path.includes("\\");
}

// routedPath is interp.RoutedPath.
function routedPath(method, path, rawPath) {
  let p = escapedPath(path, rawPath);
  if (method !== "CONNECT") p = cleanPath(p);
  const u = unescape(p);
  return u === null ? path : u;
}

// forcedForms is interp.ForcedForms.
function forcedForms(method, path, rawPath) {
  const forms = [];
  const add = (f) => { if (f !== "" && !forms.includes(f)) forms.push(f); };
  for (const f of [cleanPath(path), routedPath(method, path, rawPath), path]) {
    if (f === "") continue;
    add(f);
    const n = f.length;
    if (n > 1 && f[n - 1] === "/") add(f.slice(0, n - 1));
    else if (f[n - 1] !== "/") add(f + "/");
  }
  return forms;
}

// compiled holds each path table's regexps, compiled once.
const compiled = new Map();

// matchPath is interp's matchPathIn: an exact pattern, a subtree (with
// bare, also its root without the slash), or a re: pattern, whose
// expression proxyconf translated to match the bytes Go's regexp matches.
function matchPath(table, p, bare) {
  if (table.exact.includes(p)) return true;
  for (const s of table.subtree) {
    if (bare && p === s.slice(0, -1) || p.startsWith(s)) return true;
  }
  let res = compiled.get(table);
  if (res === undefined) {
    res = table.regexps.map((src) => new RegExp(src));
    compiled.set(table, res);
  }
  return res.some((re) => re.test(p));
}

// matchExempt is interp.MatchExempt.
function matchExempt(cleaned) {
  const n = cleaned.length;
  if (!matchPath(policy.exemptPaths, cleaned, false)) return false;
  return !(n > 1 && cleaned[n - 1] === "/") || matchPath(policy.exemptPaths, cleaned.slice(0, n - 1), false);
}

// target returns the path and query-less target of the request as the
// Worker received it: request.url keeps the request line's path as sent
// (dot segments too), behind the scheme and the authority. null when it
// has no path.
function target(url) {
  const start = url.indexOf("://");
  if (start < 0) return null;
  const rest = url.slice(start + 3);
  const slash = rest.search(/[/?]/);
  if (slash < 0 || rest[slash] !== "/") return null;
  const q = rest.indexOf("?", slash);
  return rest.slice(slash, q < 0 ? rest.length : q);
}

// forwardedPath returns the path that fetch(request) sends to the origin
// for the raw path p: workerd removes its "." and ".." segments (RFC 3986,
// section 5.2.4), written as dots, not escaped ones.
function forwardedPath(p) {
  const segs = p.split("/");
  const out = [];
  for (let i = 1; i < segs.length; i++) {
    const last = i === segs.length - 1;
    if (segs[i] === "." || segs[i] === "..") {
      if (segs[i] === "..") out.pop();
      if (last) out.push("");
      continue;
    }
    out.push(segs[i]);
  }
  return "/" + out.join("/");
}

// ---- Addresses

// parseIPv4 is netip's parseIPv4: four decimals up to 255, no leading
// zero. It returns the four bytes, or null.
function parseIPv4(s) {
  const f = s.split(".");
  if (f.length !== 4) return null;
  const out = [];
  for (const x of f) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(x) || Number(x) > 255) return null;
    out.push(Number(x));
  }
  return out;
}

// parseIPv6 is netip's parseIPv6, without a zone. It returns the 16
// bytes, or null.
function parseIPv6(s) {
  const ip = new Array(16).fill(0);
  let ellipsis = -1, i = 0;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return ip;
  }
  while (i < 16) {
    const m = /^[0-9A-Fa-f]*/.exec(s)[0];
    if (m.length === 0 || m.length > 4) return null;
    if (s[m.length] === ".") {
      if (ellipsis < 0 && i !== 12 || i + 4 > 16) return null;
      const v4 = parseIPv4(s);
      if (v4 === null) return null;
      ip.splice(i, 4, ...v4);
      i += 4;
      s = "";
      break;
    }
    const v = parseInt(m, 16);
    ip[i] = v >> 8;
    ip[i + 1] = v & 0xff;
    i += 2;
    s = s.slice(m.length);
    if (s === "") break;
    if (s[0] !== ":" || s.length === 1) return null;
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    const tail = ip.slice(ellipsis, i);
    for (let k = ellipsis; k < 16; k++) ip[k] = 0;
    for (let k = 0; k < tail.length; k++) ip[ellipsis + n + k] = tail[k];
  } else if (ellipsis >= 0) {
    return null;
  }
  return ip;
}

// clientAddr reads CF-Connecting-IP as netip.ParseAddr does, IPv4 and
// IPv4-mapped IPv6 as one: 32 hex digits of the 128-bit form, IPv4 as
// IPv4-mapped. null for no address: none, malformed, or with a zone,
// which the Worker does not read (fail closed).
function clientAddr(s) {
  if (s === null || s.includes("%")) return null;
  const first = s.search(/[.:%]/);
  let ip = null;
  if (first >= 0 && s[first] === ".") {
    const v4 = parseIPv4(s);
    if (v4 !== null) ip = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];
  } else if (first >= 0 && s[first] === ":") {
    ip = parseIPv6(s);
  }
  if (ip === null) return null;
  return ip.map((b) => b.toString(16).padStart(2, "0")).join("");
}

// exemptIP reports whether the address (clientAddr's form) is in
// exempt.ips: the tables hold each prefix as its first and last address.
function exemptIP(a) {
  return a !== null && policy.exemptIPs.some(([lo, hi]) => lo <= a && a <= hi);
}

// ---- Negotiation (interp.PrefersJSON, interp.NegotiateLocale)

const ows = (s) => s.replace(/^[ \t]+|[ \t]+$/g, "");

// qvalue is interp's qvalue, in thousandths; -1 for a malformed one.
function qvalue(params) {
  for (const param of params) {
    const eq = param.indexOf("=");
    const name = eq < 0 ? param : param.slice(0, eq);
    if (!equalFold("q", ows(name))) continue;
    const value = eq < 0 ? "" : ows(param.slice(eq + 1));
    const dot = value.indexOf(".");
    const whole = dot < 0 ? value : value.slice(0, dot);
    const frac = dot < 0 ? "" : value.slice(dot + 1);
    if (whole !== "0" && whole !== "1" || frac.length > 3) return -1;
    let q = (whole === "1" ? 1000 : 0);
    for (let i = 0; i < frac.length; i++) {
      if (frac[i] < "0" || frac[i] > "9") return -1;
      q += Number(frac[i]) * [100, 10, 1][i];
    }
    return q > 1000 ? -1 : q;
  }
  return 1000;
}

// parseList is interp's parseList, on a header's lines joined with
// commas (Headers.get joins them so).
function parseList(line) {
  const out = [];
  if (line === null) return out;
  for (const elem of line.split(",")) {
    const parts = elem.split(";");
    const value = ows(parts[0]);
    const q = qvalue(parts.slice(1));
    if (value !== "" && q >= 0) out.push({ value, q });
  }
  return out;
}

function prefersJSON(accept) {
  const list = parseList(accept);
  const qOf = (typ, sub) => {
    let spec = -1, q = 0;
    for (const e of list) {
      const slash = e.value.indexOf("/");
      if (slash < 0) continue;
      const t = e.value.slice(0, slash), s = e.value.slice(slash + 1);
      if (t === "" || s === "") continue;
      let n = -1;
      if (t === "*" && s === "*") n = 0;
      else if (equalFold(typ, t) && s === "*") n = 1;
      else if (equalFold(typ, t) && equalFold(sub, s)) n = 2;
      if (n > spec) { spec = n; q = e.q; }
    }
    return q;
  };
  return Math.max(qOf("application", "json"), qOf("application", "problem+json")) > qOf("text", "html");
}

function findLocale(rng) {
  for (const [i, l] of policy.locales.entries()) if (equalFold(l.tag, rng)) return i;
  const dash = rng.indexOf("-");
  if (dash >= 0) {
    for (const [i, l] of policy.locales.entries()) if (equalFold(l.tag, rng.slice(0, dash))) return i;
  }
  for (const [i, l] of policy.locales.entries()) if (equalFold(l.lang, rng)) return i;
  return -1;
}

function negotiateLocale(acceptLanguage) {
  const ranges = parseList(acceptLanguage);
  ranges.sort((a, b) => b.q - a.q); // stable
  for (const r of ranges) {
    if (r.q === 0) continue;
    const i = findLocale(r.value);
    if (i >= 0) return i;
  }
  return policy.defaultLocale;
}

// ---- The state (statefile.Parse, interp.StateAt)

// parseTime reads an RFC 3339 time as Go's time.Parse does, in
// milliseconds since the epoch; null when it is not one.
function parseTime(s) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(s);
  if (m === null) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || h > 23 || mi > 59 || sec > 59) return null;
  let offset = 0;
  if (m[8] !== "Z") {
    const oh = Number(m[8].slice(1, 3)), om = Number(m[8].slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offset = (m[8][0] === "-" ? -1 : 1) * (oh * 60 + om) * 60000;
  }
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, Number(((m[7] || "") + "00").slice(0, 3)));
  return t.getTime() - offset;
}

// parseMode is statefile.ParseMode.
function parseMode(s) {
  s = s.replace(TRIM_SPACE, "");
  if (/^read-only$/i.test(s)) return "read-only";
  if (/^(?:on|1|true)$/i.test(s)) return "on";
  if (/^(?:off|0|false)$/i.test(s)) return "off";
  return null;
}

// parseState is statefile.Parse: the setting, or null for garbage.
function parseState(content) {
  const nl = content.indexOf("\n");
  const line = nl < 0 ? content : content.slice(0, nl);
  let rest = nl < 0 ? "" : content.slice(nl + 1);
  let f = line.split(FIELDS).filter((x) => x !== "");
  if (f.length === 0) return null;
  const mode = parseMode(f[0]);
  if (mode === null) return null;
  const s = { mode, from: null, until: null, reason: "" };
  f = f.slice(1);
  for (const key of ["from", "until"]) {
    if (f.length >= 2 && new RegExp("^" + key + "$", "i").test(f[0])) {
      const t = parseTime(f[1]);
      if (t === null) return null;
      s[key] = t;
      f = f.slice(2);
    }
  }
  if (f.length !== 0 || s.from !== null && s.until !== null && !(s.from < s.until)) return null;
  rest = rest.replace(TRIM_SPACE, "");
  if (rest !== "") {
    const colon = rest.indexOf(":");
    if (colon < 0 || !/^reason$/i.test(rest.slice(0, colon).replace(TRIM_SPACE, ""))) return null;
    const text = rest.slice(colon + 1).replace(TRIM_SPACE, "");
    if (/[\x00-\x1f\x7f-\x9f]/.test(text)) return null;
    s.reason = text;
  }
  return s;
}

// MAX_STATE is statefile.MaxSize: a longer value is read as garbage.
const MAX_STATE = 1024;

// setting reads the state: the KV namespace MAINTENANCE, key "state", or
// else the text variable MAINTENANCE_STATE. A missing key (or neither
// binding) is off; a value that is no state, too long, or a failed read
// means state.fallback.
async function setting(env) {
  const garbage = { mode: policy.fallback ? "on" : "off", from: null, until: null, reason: "" };
  let raw = null;
  try {
    if (env.MAINTENANCE && typeof env.MAINTENANCE.get === "function") {
      const buf = await env.MAINTENANCE.get("state", "arrayBuffer");
      if (buf === null) return null;
      raw = new Uint8Array(buf);
    } else if (typeof env.MAINTENANCE_STATE === "string") {
      if (env.MAINTENANCE_STATE === "") return null;
      raw = encoder.encode(env.MAINTENANCE_STATE);
    } else {
      return null;
    }
  } catch (e) {
    return garbage;
  }
  if (raw.length > MAX_STATE) return garbage;
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
  } catch (e) {
    return garbage;
  }
  return parseState(text) || garbage;
}

const holds = (s, now) => (s.from === null || now >= s.from) && (s.until === null || now < s.until);

// ---- Bypass (interp.IsBypassLink, interp.HasBypassCookie, interp.BypassSetCookie)

const BYPASS_COOKIE = "maintenance_bypass"; // interp.BypassCookie
const MIN_BYPASS_SECRET = 16; // bytes; interp.MinBypassSecret
const BYPASS_SKEW = 60; // seconds; interp.BypassClockSkew
const MAX_BYPASS_COOKIES = 4; // interp.MaxBypassCookies
const MAX_COOKIES = 3000; // net/http reads no cookie of a request with more (httpcookiemaxnum)
const BYPASS_VALUE = /^([1-9][0-9]{0,17})\.([A-Za-z0-9_-]{43})$/;

// bypassSecret returns the bypass secret, as UTF-8 bytes: the text
// binding (a Worker secret) named as bypass.secret_env, trimmed as Go's
// strings.TrimSpace trims. null when bypass is off: no bypass section, no
// binding, or a secret shorter than MIN_BYPASS_SECRET bytes. It is read
// once per value of the binding, as the middleware reads its variable once.
let secretRead = { raw: undefined, secret: null };
function bypassSecret(env) {
  if (policy.bypass === null) return null;
  const v = env[policy.bypass.secretEnv];
  if (v !== secretRead.raw) {
    const secret = typeof v === "string" ? encoder.encode(v.replace(TRIM_SPACE, "")) : new Uint8Array(0);
    secretRead = { raw: v, secret: secret.length >= MIN_BYPASS_SECRET ? secret : null };
  }
  return secretRead.secret;
}

// byteArray returns the bytes of a byte string.
const byteArray = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// isBypassLink is interp.IsBypassLink: a GET whose path is bypass.path,
// "/" and the secret, compared as SHA-256 hashes in constant time, so
// that the comparison reveals neither the secret nor its length.
async function isBypassLink(req, secret) {
  const prefix = policy.bypass.path + "/";
  if (req.method !== "GET" || !req.path.startsWith(prefix)) return false;
  const [given, want] = await Promise.all([
    crypto.subtle.digest("SHA-256", byteArray(req.path.slice(prefix.length))),
    crypto.subtle.digest("SHA-256", secret),
  ]);
  return crypto.subtle.timingSafeEqual(given, want);
}

// bypassMAC is the MAC of interp.BypassCookieValue: the unpadded
// base64url HMAC-SHA256 of the decimal expiry, keyed with the secret.
async function bypassMAC(secret, expiry) {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(expiry)));
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// trimASCII is net/textproto's TrimString.
const trimASCII = (s) => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");

// bypassCookies returns the values of the maintenance_bypass cookies of
// a Cookie header, in order, as net/http's readCookies reads them: parts
// between semicolons trimmed of ASCII space, each cut at its first "=",
// the name trimmed again, a value in double quotes unquoted, and a value
// with a byte outside 0x20 to 0x7e, a '"', ';' or '\' left out. Over
// MAX_COOKIES parts, none.
function bypassCookies(header) {
  if (header === null) return [];
  const parts = header.split(";");
  if (parts.length > MAX_COOKIES) return [];
  const out = [];
  for (let part of parts) {
    part = trimASCII(part);
    const eq = part.indexOf("=");
    if (trimASCII(eq < 0 ? part : part.slice(0, eq)) !== BYPASS_COOKIE) continue;
    let v = eq < 0 ? "" : part.slice(eq + 1);
    if (v.length > 1 && v[0] === '"' && v[v.length - 1] === '"') v = v.slice(1, -1);
    if (/^[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(v)) out.push(v);
  }
  return out;
}

// hasBypassCookie is interp.HasBypassCookie: one of the first
// MAX_BYPASS_COOKIES maintenance_bypass cookies is EXPIRY.MAC, EXPIRY in
// Unix seconds after now (in milliseconds) and at most bypass.ttl plus
// BYPASS_SKEW ahead, MAC its bypassMAC, compared in constant time.
async function hasBypassCookie(header, secret, now) {
  const sec = BigInt(Math.floor(now / 1000));
  for (const v of bypassCookies(header).slice(0, MAX_BYPASS_COOKIES)) {
    const m = BYPASS_VALUE.exec(v);
    if (m === null) continue;
    const expiry = BigInt(m[1]);
    if (expiry <= sec || expiry > sec + BigInt(policy.bypass.ttl + BYPASS_SKEW)) continue;
    const want = encoder.encode(await bypassMAC(secret, m[1]));
    if (crypto.subtle.timingSafeEqual(want, encoder.encode(m[2]))) return true;
  }
  return false;
}

// bypassResponse answers the bypass link as the middleware does: 302 to
// / with the bypass cookie of interp.BypassSetCookie (as net/http's
// Cookie.String writes it), not cached, sending no Referer onwards.
async function bypassResponse(secret, now) {
  const expiry = Math.floor(now / 1000) + policy.bypass.ttl;
  const value = expiry + "." + await bypassMAC(secret, String(expiry));
  let cookie = BYPASS_COOKIE + "=" + value + "; Path=/; Expires=" + new Date(expiry * 1000).toUTCString() +
    "; Max-Age=" + policy.bypass.ttl + "; HttpOnly";
  if (policy.bypass.secure) cookie += "; Secure";
  cookie += "; SameSite=Lax";
  const h = new Headers({ "Cache-Control": "no-store", Location: "/", "Referrer-Policy": "no-referrer", "Set-Cookie": cookie });
  return new Response(null, { status: 302, headers: h });
}

// ---- The decision (interp.Evaluate)

function decide(req) {
  const cleaned = cleanPath(req.path);
  for (const form of forcedForms(req.method, req.path, req.rawPath)) {
    if (matchPath(policy.forcePaths, form, true)) return maintenance(req, cleaned, "force.paths");
  }
  const inWindow = req.window !== null && !req.suspended;
  const redirect = policy.redirect;
  if (!req.on && !inWindow) {
    if (redirect !== "" && cleaned === redirect) return { step: "off", status: 302, format: "redirect", location: "/" };
    return { pass: true, step: "off" };
  }
  if (redirect !== "" && cleaned === redirect) return page(req, cleaned, "response.redirect");
  if (req.readOnly && !inWindow && ["GET", "HEAD", "OPTIONS"].includes(req.method)) return { pass: true, step: "read-only" };
  if (canonical(req.path, req.rawPath) && matchExempt(cleaned)) return { pass: true, step: "exempt.paths" };
  if (exemptIP(req.client)) return { pass: true, step: "exempt.ips" };
  // exempt.roles and exempt.tests: the Worker knows no roles and runs no
  // tests, so they exempt nobody. The bypass cookie, the step before the
  // maintenance response, is fetch's to check (decideWithBypass).
  return maintenance(req, cleaned, "maintenance");
}

function maintenance(req, cleaned, step) {
  if (policy.redirect !== "" && cleaned !== policy.redirect) {
    return { step, status: 302, format: "redirect", location: policy.redirect };
  }
  return page(req, cleaned, step);
}

function page(req, cleaned, step) {
  let format = policy.format;
  if (format === "auto") {
    format = matchPath(policy.jsonPaths, cleaned, true) || prefersJSON(req.accept) ? "json" : "html";
  }
  return { step, status: policy.status, format, locale: negotiateLocale(req.acceptLanguage) };
}

// end is interp.End, in milliseconds; null when unknown.
function end(req) {
  let e = req.window !== null && !req.suspended ? req.window[1] : null;
  if (req.on && (req.until === null || e === null || !(req.until < e))) e = req.until;
  return e;
}

const pad = (n) => String(n).padStart(2, "0");

// rfc3339 formats a time, in whole seconds, as Go's time.RFC3339 in UTC.
function rfc3339(ms) {
  const t = new Date(Math.floor(ms / 1000) * 1000);
  return t.toISOString().replace(/\.000Z$/, "Z");
}

// retryAfter is interp.RetryAfter.
function retryAfter(d, req) {
  let e = null;
  if (d.step === "response.redirect" || d.step === "maintenance") e = end(req);
  const now = Math.floor(req.now / 1000);
  const date = (s) => new Date(s * 1000).toUTCString();
  if (e === null) {
    if (policy.retryAfter === 0) return null;
    return policy.retryDate ? date(now + policy.retryAfter) : String(policy.retryAfter);
  }
  const es = Math.floor(e / 1000);
  return policy.retryDate ? date(es) : String(Math.max(es - now, 0));
}

const htmlEscape = (s) => s.replace(/[&'<>"]/g, (c) => ({ "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;" })[c]);

// jsonString is Go's json.Marshal of a string without control characters.
const jsonString = (s) => '"' + s.replace(/["\\<>&\u2028\u2029]/g, (c) => c === '"' || c === "\\" ? "\\" + c : "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + '"';

// body returns the page of d with the setting's reason and expected end
// (interp.Live) at the HTML page's slot, or as the problem details'
// extension members reason and until.
function body(d, req) {
  const l = policy.locales[d.locale];
  const live = d.step === "response.redirect" || d.step === "maintenance";
  const e = live ? end(req) : null;
  const reason = live && req.on ? req.reason : "";
  if (d.format === "json") {
    let extra = "";
    if (reason !== "") extra += ',"reason":' + jsonString(reason);
    if (e !== null) extra += ',"until":"' + rfc3339(e) + '"';
    return l.json.slice(0, -1) + extra + "}";
  }
  if (l.html.length === 1) return l.html[0];
  let extra = "";
  if (reason !== "") extra += '<p class="live">' + htmlEscape(reason) + "</p>";
  if (e !== null) {
    const t = rfc3339(e);
    extra += '<p class="live">' + htmlEscape(l.until) + ' <time datetime="' + t + '">' + t.slice(0, 10) + " " + t.slice(11, 16) + " UTC</time></p>";
  }
  return l.html[0] + extra + l.html[1];
}

function respond(d, req) {
  const h = new Headers({ "Cache-Control": "no-store", Vary: "Accept, Accept-Language" });
  const retry = retryAfter(d, req);
  if (retry !== null) h.set("Retry-After", retry);
  if (d.step === "response.redirect" || d.step === "maintenance") {
    for (const c of policy.clearCookies) h.append("Set-Cookie", c);
  }
  if (d.format === "redirect") {
    h.set("Location", d.location);
    return new Response(null, { status: d.status, headers: h });
  }
  h.set("Content-Type", d.format === "json" ? "application/problem+json" : "text/html; charset=utf-8");
  h.set("Content-Language", policy.locales[d.locale].tag);
  h.set("X-Content-Type-Options", "nosniff");
  return new Response(body(d, req), { status: d.status, headers: h });
}

// pathFields returns the decoded path and url.URL.RawPath of the raw path
// (a byte string), as Go's server reads them; path is null for a
// malformed escape.
function pathFields(raw) {
  const path = unescape(raw);
  return { path, rawPath: path !== null && raw !== escapePath(path) ? raw : "" };
}

export default {
  async fetch(request, env) {
    const now = Date.now(); // before any await: the one clock of the request
    const t = target(request.url);
    const { path, rawPath } = t === null ? { path: null, rawPath: "" } : pathFields(bytes(t));
    const req = {
      method: request.method, path, rawPath,
      client: clientAddr(request.headers.get("CF-Connecting-IP")),
      accept: request.headers.get("Accept"), acceptLanguage: request.headers.get("Accept-Language"),
      now, on: false, readOnly: false, suspended: false, until: null, reason: "",
      window: policy.schedule.find(([start, stop]) => start <= now && now < stop) || null,
    };
    if (path === null) {
      // A target without a path, or with a malformed escape, which Go's
      // server refuses: the maintenance response, whatever the mode.
      req.path = "/";
      return respond(maintenance(req, "", "force.paths"), req);
    }
    const secret = bypassSecret(env);
    if (secret !== null && await isBypassLink(req, secret)) return bypassResponse(secret, now);
    // decideWithBypass is decide with the bypass step: the cookie is
    // checked (once) only when a decision comes to it, so a request while
    // the mode is off, or one exempt, costs no HMAC.
    let bypass = null;
    const decideWithBypass = async (r) => {
      const d = decide(r);
      if (d.step !== "maintenance" || secret === null) return d;
      if (bypass === null) bypass = await hasBypassCookie(request.headers.get("Cookie"), secret, now);
      return bypass ? { pass: true, step: "bypass" } : d;
    };
    const s = await setting(env);
    if (s !== null) {
      const mode = holds(s, now) ? s.mode : "off";
      req.on = mode !== "off";
      req.readOnly = mode === "read-only";
      req.suspended = s.mode === "off" && (s.from !== null || s.until !== null) && holds(s, now);
      if (req.on) {
        req.until = s.until;
        req.reason = s.reason;
      }
    }
    let d = await decideWithBypass(req);
    // The origin gets the path without its dot segments, which its
    // router may route otherwise: pass only when that passes too.
    const fwd = forwardedPath(bytes(t));
    if (d.pass && fwd !== bytes(t)) {
      const f = pathFields(fwd);
      const df = await decideWithBypass({ ...req, path: f.path, rawPath: f.rawPath });
      if (!df.pass) d = df;
    }
    if (d.pass) return fetch(request);
    return respond(d, req);
  },
};
