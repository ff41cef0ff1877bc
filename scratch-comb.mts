import postgres from 'postgres';
const sql = postgres('postgres://alertgate:alertgate@127.0.0.1:55432/alertgate', { max: 1 });
const T = 'bench-search-5d67c71e-bab9-4d18-9b71-5ef601189280';
const W = Date.UTC(2091, 0, 1); const H = 3600000;
const res: string[] = [];
for (let i = 0; i < 25; i++) {
  const to = W + 24 * H + Math.floor(Math.random() * (6 * 24 * H - 24 * H));
  const from = to - 24 * H;
  const team = ['core', 'infra', 'payments', 'search'][i % 4];
  const f = new Date(from).toISOString(), t = new Date(to).toISOString();
  const lbl = JSON.stringify({ team });
  let s = performance.now();
  await sql`select id from alerts where tenant = ${T} and received_at >= ${f} and received_at <= ${t} and severity = 'high' and labels @> ${lbl}::jsonb and lower(name || ' ' || coalesce(description, '') || ' ' || coalesce(message, '')) like '%disk%' order by received_at desc, id desc limit 51`;
  const page = performance.now() - s; s = performance.now();
  await sql`select count(*) from (select 1 from alerts where tenant = ${T} and received_at >= ${f} and received_at <= ${t} and severity = 'high' and labels @> ${lbl}::jsonb and lower(name || ' ' || coalesce(description, '') || ' ' || coalesce(message, '')) like '%disk%' limit 1001) c`;
  const count = performance.now() - s;
  res.push(`${f.slice(5, 16)} ${team.padEnd(8)} page ${page.toFixed(1).padStart(6)} count ${count.toFixed(1).padStart(6)}`);
}
console.log(res.join('\n'));
await sql.end();
