// A first dashboard: one self-contained page that polls /api/status and shows every service's
// readiness and what the lab's DNS endpoints resolve to right now.
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cascade-lab</title>
<style>
 body{font:14px system-ui,sans-serif;margin:2em;color:#222}
 table{border-collapse:collapse;margin:1em 0} td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}
 .ok{color:#137333} .bad{color:#c5221f;font-weight:600} code{background:#f4f4f4;padding:0 .3em}
</style></head><body>
<h1>cascade-lab</h1>
<p>The AWS us-east-1 outage of 20 October 2025, on real sockets. Run <code>cascade-lab run dns-race</code> to fire the race.</p>
<h2>DNS endpoints</h2><table id="dns"><tr><th>name</th><th>points at</th><th>addresses</th></tr></table>
<h2>Services</h2><table id="svc"><tr><th>service</th><th>ready</th><th>detail</th></tr></table>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function refresh() {
  try {
    const s = await (await fetch('/api/status')).json();
    const aliases = (s.dns && s.dns.aliases) || [];
    document.getElementById('dns').innerHTML = '<tr><th>name</th><th>points at</th><th>addresses</th></tr>' +
      aliases.map((a) => '<tr><td>' + esc(a.name) + '</td><td>' + esc(a.target) + '</td><td class="' + (a.addresses > 0 ? 'ok' : 'bad') + '">' + esc(a.addresses) + '</td></tr>').join('');
    document.getElementById('svc').innerHTML = '<tr><th>service</th><th>ready</th><th>detail</th></tr>' +
      s.services.map((x) => '<tr><td>' + esc(x.name) + '</td><td class="' + (x.ready ? 'ok' : 'bad') + '">' + (x.ready ? 'ready' : 'NOT READY') + '</td><td>' + esc(x.error || '') + '</td></tr>').join('');
  } catch (e) { /* controller restarting: try again */ }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;
}
