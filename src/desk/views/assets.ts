/**
 * The page's style sheet and its one script, served by the line itself (/desk/assets/): no CDN, no web font, so the
 * page works on a network that reaches only the line. The script only places fragments the server made (escaped
 * there) and announces new transfers; without it, the page still shows everything as of when it was loaded.
 */

export const DESK_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --card: #fff;
  --accent: #0b5cad; --solved: #2e7d32; --transferred: #b35a00; --hung-up: #6e7781; --alert: #a40e26; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.sub { font-weight: 400; color: var(--muted); font-size: .8em; margin-left: .4em; }
.muted { color: var(--muted); }
button { font: inherit; padding: .4rem 1rem; border: 1px solid var(--accent); background: var(--accent); color: #fff;
  border-radius: 4px; cursor: pointer; }
button:hover { background: #084a8c; }
input { font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 4px; }
label { font-weight: 600; display: block; margin-bottom: .25rem; }
header.top { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap;
  padding: .75rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
header.top h1 { font-size: 1.35rem; margin: 0; }
.sign-out { display: flex; align-items: center; gap: .75rem; }
.sign-out button { background: #fff; color: var(--accent); }
main.desk { display: grid; grid-template-columns: minmax(0, 3fr) minmax(300px, 2fr); gap: 1.5rem; padding: 1rem 1.5rem; }
@media (max-width: 900px) { main.desk { grid-template-columns: 1fr; } }
h2 { font-size: 1.15rem; margin: .5rem 0; }
.live-status { color: var(--muted); margin: 0 0 .5rem; font-size: .9rem; }
.live-status.offline { color: var(--alert); }
ol.transfers { list-style: none; margin: 0; padding: 0; }
ol.callbacks { list-style: none; margin: 0 0 1rem; padding: 0; }
li.callback article { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin-bottom: .5rem; }
li.callback h3 { margin: 0 0 .25rem; font-size: 1rem; }
li.callback dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0 0 .5rem; }
li.callback dt { color: var(--muted); }
li.callback dd { margin: 0; }
li.callback form { display: inline-flex; gap: .5rem; margin: 0; }
li.callback p.claimed { margin: 0 0 .25rem; }
.transfers li.empty, .callbacks li.empty { color: var(--muted); padding: 1rem; background: var(--card); border: 1px dashed var(--line); border-radius: 6px; }
li.transfer article { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--transferred);
  border-radius: 6px; padding: .75rem 1rem; margin-bottom: .75rem; }
li.transfer.new article { animation: arrive 2s ease-out; }
@keyframes arrive { from { background: #fff4e5; } to { background: var(--card); } }
@media (prefers-reduced-motion: reduce) { li.transfer.new article { animation: none; } }
li.transfer h3 { margin: 0 0 .25rem; font-size: 1.05rem; display: flex; gap: .75rem; flex-wrap: wrap; align-items: baseline; }
.reference { font-variant-numeric: tabular-nums; letter-spacing: .02em; }
.reason-label { color: var(--transferred); font-weight: 600; }
h3 time { margin-left: auto; color: var(--muted); font-weight: 400; font-variant-numeric: tabular-nums; }
p.reason { margin: 0 0 .5rem; }
li.transfer p.muted, article.found p.muted { margin: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 .5rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.number a { font-weight: 600; font-variant-numeric: tabular-nums; }
.dial-ringing { color: var(--transferred); }
.follow-ups h4 { margin: .5rem 0 .25rem; } .follow-ups ul { margin: 0; padding-left: 1.2rem; } .follow-up.alert { color: var(--alert); }
.dial-answered { color: var(--solved); }
.dial-busy, .dial-no-answer, .dial-failed, .dial-canceled { color: var(--alert); }
h4 { margin: .5rem 0 .15rem; font-size: .9rem; color: var(--muted); font-weight: 600; }
ul.notes { margin: 0; padding-left: 1.25rem; }
ol.path { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem; font-size: .9rem; }
ol.path li:not(:last-child)::after { content: " \\203A"; color: var(--muted); margin-left: .25rem; }
ol.path .left, .attempt { color: var(--muted); }
aside.side section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; }
form .row { display: flex; gap: .5rem; }
form .row input { flex: 1; min-width: 0; }
.hint { color: var(--muted); font-size: .85rem; margin: .35rem 0 0; }
.problem { color: var(--alert); font-weight: 600; }
.notice { color: var(--solved); }
article.found { border-top: 1px solid var(--line); margin-top: .75rem; padding-top: .5rem; }
article.found h3 { margin: 0 0 .25rem; font-size: 1rem; }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 14px; }
svg.chart .count { font-weight: 600; font-variant-numeric: tabular-nums; }
svg.chart text { fill: var(--ink); }
svg.chart .bar-solved rect { fill: var(--solved); }
svg.chart .bar-transferred rect { fill: var(--transferred); }
svg.chart .bar-hung-up rect { fill: var(--hung-up); }
svg.chart .bar-closed rect { fill: #6639ba; }
.totals { margin: 0 0 .5rem; }
details.counts { margin-top: .5rem; font-size: .9rem; }
table { border-collapse: collapse; margin-top: .5rem; }
th, td { text-align: left; padding: .15rem .75rem .15rem 0; border-bottom: 1px solid var(--line); }
caption { text-align: left; font-weight: 600; }
main.sign-in { max-width: 24rem; margin: 4rem auto; background: #fff; padding: 1.5rem 2rem; border: 1px solid var(--line); border-radius: 8px; }
main.sign-in h1 { font-size: 1.4rem; margin-top: 0; }
main.sign-in input { width: 100%; }
.lede { color: var(--muted); }
`;

export const DESK_JS = `'use strict';
(function () {
  var base = document.body.getAttribute('data-base');
  var list = document.getElementById('transfer-list');
  if (!list || !base || !window.EventSource) return;
  var status = document.getElementById('live-status');
  var announcer = document.getElementById('announcer');
  var chart = document.getElementById('outcome-chart');
  function setStatus(text, offline) {
    status.textContent = text;
    status.classList.toggle('offline', !!offline);
  }
  function announce(text) {
    // Emptied first, so that the same words twice are announced twice.
    announcer.textContent = '';
    setTimeout(function () { announcer.textContent = text; }, 50);
  }
  function data(event) { return JSON.parse(event.data); }
  var source = new EventSource(base + '/events');
  // Connected: the first message says whether updates are live (this instance reaches the others) or paused.
  source.addEventListener('open', function () { setStatus('Connected: checking for updates…'); });
  source.addEventListener('status', function (e) {
    var d = data(e);
    setStatus(d.text, !d.live);
  });
  // The callback list comes without this page's form token: each form gets the token of the page's own forms.
  var callbacks = document.getElementById('callback-list');
  function fillTokens(within) {
    var token = document.querySelector('form.sign-out input[name="csrf"]');
    var fields = within.querySelectorAll('input[name="csrf"]');
    for (var i = 0; i < fields.length; i++) fields[i].value = token ? token.value : '';
  }
  function showCallbacks(htmlText) {
    if (!callbacks) return;
    callbacks.innerHTML = htmlText;
    fillTokens(callbacks);
  }
  // One callback changed: its card replaced or added (the list is oldest first), or taken away.
  function showCallback(d) {
    if (!callbacks) return;
    var old = document.getElementById(d.id);
    if (d.html === null) {
      if (old) old.remove();
      if (!callbacks.querySelector('li.callback')) callbacks.innerHTML = d.empty;
      return;
    }
    var none = document.getElementById('no-callbacks');
    if (none) none.remove();
    if (old) old.outerHTML = d.html;
    else callbacks.insertAdjacentHTML('beforeend', d.html);
    var card = document.getElementById(d.id);
    if (card) fillTokens(card);
  }
  source.addEventListener('snapshot', function (e) {
    var d = data(e);
    list.innerHTML = d.list;
    chart.innerHTML = d.chart;
    if (d.callbacks !== undefined) showCallbacks(d.callbacks);
  });
  source.addEventListener('callbacks', function (e) { showCallbacks(data(e).html); });
  source.addEventListener('callback', function (e) { showCallback(data(e)); });
  source.addEventListener('transfer', function (e) {
    var d = data(e);
    var old = document.getElementById(d.id);
    // A redial's card comes without the follow-ups the page already shows: they move to it.
    var kept = old ? old.querySelectorAll('li.follow-up') : [];
    if (old) old.remove();
    var none = document.getElementById('no-transfers');
    if (none) none.remove();
    list.insertAdjacentHTML('afterbegin', d.html);
    var added = document.getElementById(d.id);
    if (added) {
      added.classList.add('new');
      var box = added.querySelector('.follow-ups');
      if (box) {
        for (var i = 0; i < kept.length; i++) if (!document.getElementById(kept[i].id)) box.querySelector('ul').appendChild(kept[i]);
        var held = early[box.id] || [];
        delete early[box.id];
        waiting -= held.length;
        held.forEach(showFollowUp);
        box.hidden = box.querySelector('li') === null;
      }
    }
    announce(d.announce);
  });
  source.addEventListener('dial', function (e) {
    var d = data(e);
    var line = document.getElementById(d.id);
    if (line) line.outerHTML = d.html;
  });
  // A follow-up on a card: its line replaced, or added (the list shows from its first line).
  // Follow-ups of a call whose card is not on the page yet (asked before its transfer) wait for it.
  var early = {};
  var waiting = 0;
  function showFollowUp(d) {
    var box = document.getElementById(d.list);
    if (!box) {
      // A call that is never transferred has no card: only so many wait (a reload shows the day as stored).
      if (waiting++ < 500) (early[d.list] = early[d.list] || []).push(d);
      return;
    }
    var old = document.getElementById(d.id);
    if (old) old.outerHTML = d.html;
    else box.querySelector('ul').insertAdjacentHTML('beforeend', d.html);
    box.hidden = box.querySelector('li') === null;
  }
  source.addEventListener('follow-up', function (e) { showFollowUp(data(e)); });
  source.addEventListener('outcomes', function (e) { chart.innerHTML = data(e).html; });
  // A form this page sends (sign out, search) leaves the page by itself: the stream's end is no news then.
  var leaving = false;
  document.addEventListener('submit', function () { leaving = true; source.close(); });
  source.addEventListener('signed-out', function () {
    source.close();
    list.innerHTML = '';
    if (!leaving) window.location.assign(base + '/sign-in?signed-out=1');
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (the sign-in ended) or gone for good: the page itself says which.
      setStatus('Disconnected: reloading the page…', true);
      setTimeout(function () { window.location.reload(); }, 3000);
    } else {
      setStatus('Connection lost: reconnecting…', true);
    }
  });
})();
`;
