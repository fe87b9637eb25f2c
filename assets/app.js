import { initAll } from './govuk/govuk-frontend.min.js'

initAll()

// Autosave for long forms marked with data-autosave-url: a few seconds after typing stops,
// the form is posted (with its CSRF token) and the result is announced politely.
for (const form of document.querySelectorAll('form[data-autosave-url]')) {
  const status = form.querySelector('.app-autosave-status')
  let timer = null
  const save = async () => {
    // A draft saved again is the same draft: autosave leaves the form's request key for the
    // button, which must still count once however often it is pressed.
    const body = new FormData(form)
    body.delete('request_key')
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' }
      })
      const result = await response.json()
      if (status) {
        status.textContent = result.saved
          ? 'Draft saved at ' + new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
          : 'Not saved: use the Save draft button to see what needs fixing'
      }
    } catch (error) {
      if (status) status.textContent = 'Not saved: check your connection, then use the Save draft button'
    }
  }
  form.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(save, 3000)
  })
}

// Long work (a scoring run): poll its status and reload when it is done.
for (const element of document.querySelectorAll('[data-poll-url]')) {
  const poll = async () => {
    try {
      const response = await fetch(element.dataset.pollUrl, { credentials: 'same-origin' })
      const result = await response.json()
      if (result.status === 'done' || result.status === 'failed') {
        window.location.reload()
        return
      }
    } catch (error) { /* keep trying */ }
    setTimeout(poll, 2000)
  }
  setTimeout(poll, 2000)
}

// A panel ballot: a running total of the chosen projects and what is left of the budget.
for (const form of document.querySelectorAll('form[data-ballot-budget]')) {
  const budget = Number(form.dataset.ballotBudget)
  const most = form.dataset.ballotMost ? Number(form.dataset.ballotMost) : null
  const status = form.querySelector('.app-ballot-total')
  const pounds = (pence) => '£' + (pence / 100).toLocaleString('en-GB', { maximumFractionDigits: 0 })
  const update = () => {
    const chosen = [...form.querySelectorAll('input[name="project"]:checked')]
    const total = chosen.reduce((sum, box) => sum + Number(box.dataset.cost), 0)
    let text = most === null
      ? `You have chosen ${pounds(total)} of ${pounds(budget)}. ${pounds(Math.max(budget - total, 0))} left.`
      : `You have chosen ${chosen.length} of up to ${most} projects.`
    if (most === null && total > budget) text += ` That is ${pounds(total - budget)} too much: untick something.`
    if (most !== null && chosen.length > most) text += ` That is too many: untick ${chosen.length - most}.`
    status.textContent = text
  }
  form.addEventListener('change', update)
  update()
}

// Tables on small screens (WCAG 1.4.10 Reflow), one mechanism for every page:
// - a table inside .app-table-scroll (a genuinely 2-D table, such as figures by year) scrolls in
//   its own region, which keyboard users can focus and screen readers announce by its name;
// - any other table with column headers stacks its rows below 641 px, each cell led by its
//   column's heading (data-label, see app.scss), with table roles kept for assistive technology,
//   since display: block drops them in some browsers.
const tableName = (table) => {
  const caption = table && table.caption && table.caption.textContent.trim()
  if (caption) return caption
  let node = table && (table.closest('.app-table-scroll') || table)
  while (node && node !== document.body) {
    let sibling = node.previousElementSibling
    while (sibling) {
      const heading = sibling.matches('h1, h2, h3, h4') ? sibling : sibling.querySelector('h1, h2, h3, h4')
      if (heading) return heading.textContent.trim()
      sibling = sibling.previousElementSibling
    }
    node = node.parentElement
  }
  return 'Table'
}

for (const region of document.querySelectorAll('.app-table-scroll')) {
  region.setAttribute('role', 'region')
  if (!region.hasAttribute('tabindex')) region.tabIndex = 0
  if (!region.hasAttribute('aria-label') && !region.hasAttribute('aria-labelledby')) {
    region.setAttribute('aria-label', tableName(region.querySelector('table')) + ' (scrolls sideways)')
  }
}

for (const table of document.querySelectorAll('table.govuk-table')) {
  if (table.closest('.app-table-scroll') || !table.tHead) continue
  const headerRow = table.tHead.rows[table.tHead.rows.length - 1]
  if (!headerRow) continue
  const labels = []
  for (const cell of headerRow.cells) {
    for (let i = 0; i < cell.colSpan; i++) labels.push(cell.textContent.replace(/\s+/g, ' ').trim())
  }
  table.classList.add('app-table--stack')
  table.setAttribute('role', 'table')
  for (const group of [table.tHead, ...table.tBodies, table.tFoot].filter(Boolean)) group.setAttribute('role', 'rowgroup')
  for (const row of table.rows) {
    row.setAttribute('role', 'row')
    let column = 0
    for (const cell of row.cells) {
      const inHead = row.parentElement === table.tHead
      cell.setAttribute('role', inHead ? 'columnheader' : cell.tagName === 'TH' ? 'rowheader' : 'cell')
      if (!inHead && !cell.hasAttribute('data-label')) cell.dataset.label = labels[column] || ''
      column += cell.colSpan
    }
  }
}
