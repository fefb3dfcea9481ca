// The desk page's one script, served by the line itself (/desk/assets/desk.js). It only places fragments the server
// made (escaped there) and announces new transfers; without it, the page still shows everything as of when it was loaded.
'use strict';
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
    setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  }
  function data(event) {
    return JSON.parse(event.data);
  }
  var source = new EventSource(base + '/events');
  // Connected: the first message says whether updates are live (this instance reaches the others) or paused.
  source.addEventListener('open', function () {
    setStatus('Connected: checking for updates…');
  });
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
  source.addEventListener('callbacks', function (e) {
    showCallbacks(data(e).html);
  });
  source.addEventListener('callback', function (e) {
    showCallback(data(e));
  });
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
  source.addEventListener('follow-up', function (e) {
    showFollowUp(data(e));
  });
  // The announcement to callers changed on another page: said here, without reloading over a form being filled in.
  source.addEventListener('announcement', function (e) {
    var state = document.getElementById('announcement-state');
    if (!state) return;
    var note = document.getElementById('announcement-changed');
    if (!note) {
      note = document.createElement('p');
      note.id = 'announcement-changed';
      note.className = 'notice';
      note.setAttribute('role', 'status');
      state.parentNode.insertBefore(note, state);
    }
    note.textContent = data(e).text + ' Reload the page to see it.';
  });
  source.addEventListener('outcomes', function (e) {
    chart.innerHTML = data(e).html;
  });
  // A form this page sends (sign out, search) leaves the page by itself: the stream's end is no news then.
  var leaving = false;
  document.addEventListener('submit', function () {
    leaving = true;
    source.close();
  });
  source.addEventListener('signed-out', function () {
    source.close();
    list.innerHTML = '';
    if (!leaving) window.location.assign(base + '/sign-in?signed-out=1');
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (the sign-in ended) or gone for good: the page itself says which.
      setStatus('Disconnected: reloading the page…', true);
      setTimeout(function () {
        window.location.reload();
      }, 3000);
    } else {
      setStatus('Connection lost: reconnecting…', true);
    }
  });
})();
