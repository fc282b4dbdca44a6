// The swarm-perf dashboard: live snapshots over Server-Sent Events, charts by uPlot (vendored, no CDN).
// Everything host-provided (agent ids, messages) goes into the page as text, never as HTML.
;(() => {
  const token = new URLSearchParams(location.search).get('access_token')
  const api = (path) =>
    token ? `${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}` : path
  const maxPoints = 600
  const maxFeed = 200
  const $ = (id) => document.getElementById(id)

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v
      else node.setAttribute(k, v)
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)))
    return node
  }
  const num = (v, digits = 0) =>
    v === null || v === undefined || Number.isNaN(v)
      ? '–'
      : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`)
  const time = (ms) => new Date(ms).toISOString().slice(11, 19)

  // Charts: x is event time in seconds, as uPlot wants.
  const series = { at: [], throughput: [], p50: [], p95: [], p99: [] }
  const chartWidth = (id) => Math.max(320, $(id).clientWidth || 480)
  const makeChart = (id, lines) =>
    new uPlot(
      {
        width: chartWidth(id),
        height: 220,
        legend: { show: true },
        scales: { x: { time: true } },
        series: [{}, ...lines.map(([label, stroke]) => ({ label, stroke, width: 2, spanGaps: true }))],
        axes: [{}, { size: 60 }],
      },
      [[], ...lines.map(() => [])],
      $(id),
    )
  const throughputChart = makeChart('chart-throughput', [['tasks/min', '#2563eb']])
  const latencyChart = makeChart('chart-latency', [
    ['p50', '#16a34a'],
    ['p95', '#d97706'],
    ['p99', '#dc2626'],
  ])
  addEventListener('resize', () => {
    throughputChart.setSize({ width: chartWidth('chart-throughput'), height: 220 })
    latencyChart.setSize({ width: chartWidth('chart-latency'), height: 220 })
  })

  const addPoint = (p) => {
    const x = p.at / 1000
    const last = series.at[series.at.length - 1]
    if (last !== undefined && x <= last) {
      if (x < last) return
      // Same event time again: replace the point rather than draw a vertical jump.
      for (const key of Object.keys(series)) series[key].pop()
    }
    series.at.push(x)
    series.throughput.push(p.throughputPerMin)
    series.p50.push(p.responseMs.p50)
    series.p95.push(p.responseMs.p95)
    series.p99.push(p.responseMs.p99)
    if (series.at.length > maxPoints) for (const key of Object.keys(series)) series[key].shift()
  }
  const redrawCharts = () => {
    throughputChart.setData([series.at, series.throughput])
    latencyChart.setData([series.at, series.p50, series.p95, series.p99])
  }

  // Summary tiles.
  const tiles = [
    ['Agents', (s) => num(s.swarm.agents)],
    ['In flight', (s) => num(s.swarm.tasksInFlight)],
    ['Queued', (s) => num(s.swarm.tasksQueued)],
    ['Completed', (s) => num(s.swarm.tasksCompleted)],
    ['Failed', (s) => num(s.swarm.tasksFailed)],
    ['Throughput /min', (s) => num(s.swarm.throughputPerMin, 1)],
    ['Error rate', (s) => pct(s.swarm.errorRate)],
    ['p95 response ms', (s) => num(s.swarm.responseMs.p95)],
    ['p99 response ms', (s) => num(s.swarm.responseMs.p99)],
    ['Imbalance (CV)', (s) => num(s.swarm.imbalance, 2)],
    ['Efficiency', (s) => pct(s.swarm.efficiency)],
  ]
  const tileValues = tiles.map(([label]) => {
    const v = el('div', { class: 'v' }, '–')
    $('tiles').append(el('div', { class: 'tile' }, v, el('div', { class: 'k' }, label)))
    return v
  })

  // The agent table, sortable by any column.
  const columns = [
    ['Agent', (a) => a.agentId, 'text'],
    ['Role', (a) => a.role ?? '', 'text'],
    ['State', (a) => a.state, 'text'],
    ['Load', (a) => a.load, 'ratio'],
    ['In flight', (a) => a.inFlight, 'int'],
    ['Queued', (a) => a.queued, 'int'],
    ['Done', (a) => a.tasksCompleted, 'int'],
    ['Failed', (a) => a.tasksFailed, 'int'],
    ['Success', (a) => a.successRate, 'pct'],
    ['p50 ms', (a) => a.serviceMs.p50, 'int'],
    ['p95 ms', (a) => a.serviceMs.p95, 'int'],
    ['p99 ms', (a) => a.serviceMs.p99, 'int'],
    ['Tasks/min', (a) => a.throughputPerMin, 'dec'],
    ['Efficiency', (a) => a.efficiency, 'bar'],
  ]
  let sortColumn = 13
  let sortAscending = false
  let agents = []
  const headRow = document.querySelector('#agents thead tr')
  columns.forEach(([label], i) => {
    const th = el('th', { 'data-column': String(i) }, label)
    th.addEventListener('click', () => {
      sortAscending = sortColumn === i ? !sortAscending : columns[i][2] === 'text'
      sortColumn = i
      renderAgents()
    })
    headRow.append(th)
  })
  const cell = (value, kind) => {
    if (kind === 'text') return el('td', {}, value)
    if (kind === 'pct') return el('td', {}, pct(value))
    if (kind === 'ratio' || kind === 'dec') return el('td', {}, num(value, 2))
    if (kind === 'bar') {
      const bar = el('span', { class: 'bar' })
      bar.style.width = `${Math.round(Math.max(0, Math.min(1, value)) * 60)}px`
      return el('td', {}, num(value, 2), bar)
    }
    return el('td', {}, num(value))
  }
  const renderAgents = () => {
    const [, read, kind] = columns[sortColumn]
    const sign = sortAscending ? 1 : -1
    const sorted = [...agents].sort((a, b) => {
      const x = read(a)
      const y = read(b)
      if (x === y) return 0
      if (x === null || x === undefined) return 1
      if (y === null || y === undefined) return -1
      return (kind === 'text' ? String(x).localeCompare(String(y)) : x - y) * sign
    })
    const body = document.querySelector('#agents tbody')
    body.replaceChildren(
      ...sorted.map((a) =>
        el(
          'tr',
          { class: a.state === 'left' ? 'left' : '', 'data-agent': a.agentId },
          ...columns.map(([, r, k]) => cell(r(a), k)),
        ),
      ),
    )
    headRow.querySelectorAll('th').forEach((th, i) => {
      th.className = i === sortColumn ? `sorted${sortAscending ? ' asc' : ''}` : ''
    })
    $('agent-count').textContent = `(${agents.length})`
  }

  const feed = (id, item, severity, extraClass) => {
    const list = $(id)
    list.querySelector('li.empty')?.remove()
    list.prepend(el('li', { class: `sev-${severity} ${extraClass || ''}` }, item))
    while (list.children.length > maxFeed) list.lastChild.remove()
  }
  const placeholder = (id, text) => {
    if ($(id).children.length === 0) $(id).append(el('li', { class: 'empty' }, text))
  }
  const seenInsights = new Set()
  const showInsight = (i) => {
    const key = `${i.kind}|${i.agentId ?? ''}|${i.message}`
    if (seenInsights.has(key)) return
    seenInsights.add(key)
    feed('insights', `${time(i.at)} ${i.message} → ${i.recommendation}`, i.severity)
  }

  // Alerts arrive as events and as the snapshot's firing list: show each transition once.
  const seenAlerts = new Set()
  const showAlert = (a) => {
    const key = `${a.ruleId}|${a.state}|${a.since}`
    if (seenAlerts.has(key)) return
    seenAlerts.add(key)
    feed(
      'alerts',
      `${time(a.at)} ${a.state} ${a.ruleId}: ${a.metric} = ${num(a.value, 2)} (threshold ${a.threshold})`,
      a.severity,
      a.state === 'resolved' ? 'resolved' : '',
    )
  }

  const onSnapshot = (s) => {
    tiles.forEach(([, read], i) => {
      tileValues[i].textContent = read(s)
    })
    $('clock').textContent =
      `event time ${new Date(s.at).toISOString().replace('T', ' ').slice(0, 19)} · snapshot #${s.seq}`
    agents = s.agents
    renderAgents()
    addPoint({ at: s.at, throughputPerMin: s.swarm.throughputPerMin, responseMs: s.swarm.responseMs })
    redrawCharts()
    $('bottlenecks').replaceChildren(
      ...s.bottlenecks.map((b) =>
        el('li', { class: `sev-${b.severity}` }, `${b.kind}${b.agentId ? ` ${b.agentId}` : ''}: ${b.evidence}`),
      ),
    )
    placeholder('bottlenecks', 'none')
    for (const i of s.insights) showInsight(i)
    for (const a of s.alerts) showAlert(a)
    window.swarmPerfDashboard.snapshots++
  }

  window.swarmPerfDashboard = { snapshots: 0, points: () => series.at.length }
  for (const id of ['alerts', 'insights', 'reassignments']) placeholder(id, 'none yet')

  fetch(api('api/history'))
    .then((r) => (r.ok ? r.json() : []))
    .then((points) => {
      for (const p of points) addPoint(p)
      redrawCharts()
    })
    .catch(() => {})

  const status = (text, kind) => {
    $('status').textContent = text
    $('status').className = `status ${kind}`
  }
  const events = new EventSource(api('api/events'))
  events.addEventListener('open', () => status('live', 'live'))
  events.addEventListener('error', () => status('reconnecting', 'connecting'))
  events.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)))
  events.addEventListener('alert', (e) => showAlert(JSON.parse(e.data)))
  events.addEventListener('insight', (e) => showInsight(JSON.parse(e.data)))
  events.addEventListener('reassignment', (e) => {
    const r = JSON.parse(e.data)
    feed(
      'reassignments',
      `${time(r.at)} ${r.reason} ${r.taskId}: ${r.fromAgentId ? `${r.fromAgentId} → ` : ''}${r.toAgentId} (gain ${num(r.expectedGainMs)} ms)`,
      'info',
    )
  })
  events.addEventListener('end', () => {
    status('session ended', 'ended')
    events.close()
  })
})()
