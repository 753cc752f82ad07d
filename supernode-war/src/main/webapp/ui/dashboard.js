// The dfly supernode dashboard: reads /api/v1/dashboard every 2 s and redraws the tables.
// Everything shown comes from task data that others influence (URLs, peer ids, failure text): it is only ever
// put into the page as text (textContent, createElement), never parsed as HTML.
(function () {
  'use strict';
  var REFRESH_MILLIS = 2000;
  var API = '../api/v1/dashboard';
  var refreshes = 0;

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    if (className) {
      e.className = className;
    }
    return e;
  }

  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) {
      tr.appendChild(c instanceof Node ? c : el('td', c));
    });
    return tr;
  }

  function bytes(n) {
    if (typeof n !== 'number' || n < 0) {
      return '?';
    }
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  }

  function ago(millis, now) {
    if (!millis) {
      return '';
    }
    var s = Math.max(0, Math.round((now - millis) / 1000));
    return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
  }

  function numberCell(text) {
    return el('td', text, 'num');
  }

  function replaceRows(tableId, rows) {
    var tbody = document.querySelector('#' + tableId + ' tbody');
    while (tbody.firstChild) {
      tbody.removeChild(tbody.firstChild);
    }
    rows.forEach(function (r) {
      tbody.appendChild(r);
    });
  }

  function renderMembers(d) {
    replaceRows('members', (d.members || []).map(function (m) {
      var tr = row([m.id, m.address, m.local ? 'answered this page' : '']);
      tr.className = 'member';
      return tr;
    }));
  }

  function renderBytes(d) {
    var t = d.totals || {};
    var peers = t.bytesFromPeers || 0;
    var supernodes = t.bytesFromSupernodes || 0;
    var all = peers + supernodes;
    var split = document.getElementById('split');
    split.querySelector('.peers').style.width = (all ? 100 * peers / all : 0) + '%';
    split.querySelector('.supernodes').style.width = (all ? 100 * supernodes / all : 0) + '%';
    var m = d.thisMember || {};
    var dl = document.getElementById('bytes');
    while (dl.firstChild) {
      dl.removeChild(dl.firstChild);
    }
    [['From peers (all tasks)', bytes(peers), 'from-peers'],
      ['From supernodes (all tasks)', bytes(supernodes), 'from-supernodes'],
      ['Fetched from origins by this member', bytes(m.originBytes), 'origin'],
      ['Served to peers by this member', bytes(m.servedBytes), 'served'],
      ['Failed pieces reported to this member', m.pieceFailures, 'piece-failures'],
      ['Origin requests retried by this member', m.originRetries, 'origin-retries']].forEach(function (p) {
      dl.appendChild(el('dt', p[0]));
      var dd = el('dd', p[1]);
      dd.dataset.counter = p[2];
      dl.appendChild(dd);
    });
  }

  function progressCell(t) {
    var td = el('td', null, 'progress');
    if (t.pieceCount > 0) {
      var p = document.createElement('progress');
      p.max = t.pieceCount;
      p.value = Math.min(t.seededPieces, t.pieceCount);
      td.appendChild(p);
      td.appendChild(document.createTextNode(' '));
      td.appendChild(el('span', t.seededPieces + '/' + t.pieceCount + ' pieces', 'pieces'));
    } else {
      td.appendChild(el('span', t.seededPieces + ' pieces', 'pieces'));
    }
    return td;
  }

  function renderTasks(d) {
    var now = d.generatedAtMillis;
    var rows = [];
    (d.tasks || []).forEach(function (t) {
      var name = el('td', t.name, 'name');
      name.title = t.taskId;
      var tr = row([name, el('td', t.status, 'state state-' + t.status), numberCell(bytes(t.contentLength)),
        progressCell(t), numberCell(t.completedPeers + '/' + t.peerCount + ' done'),
        numberCell(bytes(t.bytesFromPeers)), numberCell(bytes(t.bytesFromSupernodes)), el('td', ago(t.lastAccessMillis, now))]);
      tr.className = 'task';
      tr.dataset.taskId = t.taskId;
      rows.push(tr);
      if (t.peers && t.peers.length) {
        var list = el('td');
        list.colSpan = 8;
        t.peers.forEach(function (p, i) {
          if (i > 0) {
            list.appendChild(document.createTextNode(' · '));
          }
          var s = el('span', p.id + ': ' + p.pieces + (t.pieceCount > 0 ? '/' + t.pieceCount : '') + ' pieces'
            + (p.failures ? ', ' + p.failures + ' failed as source' : ''), 'peer');
          s.title = 'heard from ' + ago(p.lastSeenMillis, now);
          list.appendChild(s);
        });
        if (t.peerCount > t.peers.length) {
          list.appendChild(document.createTextNode(' · and ' + (t.peerCount - t.peers.length) + ' more'));
        }
        var peers = row([list]);
        peers.className = 'peers';
        peers.dataset.taskId = t.taskId;
        rows.push(peers);
      }
    });
    replaceRows('tasks', rows);
    var totals = d.totals || {};
    document.getElementById('task-count').textContent = '(' + (totals.tasksShown || 0) + ' of ' + (totals.tasks || 0)
      + ' shown, ' + (totals.activeTasks || 0) + ' active, ' + (totals.peers || 0) + ' peers)';
  }

  function renderFailures(d) {
    var now = d.generatedAtMillis;
    replaceRows('failures', (d.failures || []).map(function (f) {
      var name = el('td', f.name, 'name');
      name.title = f.taskId;
      var tr = row([el('td', ago(f.atMillis, now)), el('td', f.kind), name, el('td', f.detail)]);
      tr.className = 'failure';
      return tr;
    }));
  }

  function render(d) {
    renderMembers(d);
    renderBytes(d);
    renderTasks(d);
    renderFailures(d);
  }

  function setStatus(text, isError) {
    var s = document.getElementById('status');
    s.textContent = text;
    s.className = isError ? 'status error' : 'status';
  }

  function refresh() {
    fetch(API, {credentials: 'same-origin', cache: 'no-store', headers: {'Accept': 'application/json'}})
      .then(function (r) {
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.json();
      })
      .then(function (d) {
        render(d);
        refreshes++;
        document.body.dataset.refreshes = String(refreshes);
        setStatus('updated ' + new Date(d.generatedAtMillis).toLocaleTimeString() + ' by member ' + d.answeredBy, false);
      })
      .catch(function (e) {
        setStatus('cannot read ' + API + ': ' + e.message, true);
      })
      .then(function () {
        window.setTimeout(refresh, REFRESH_MILLIS);
      });
  }

  window.dflyDashboard = {render: render};
  refresh();
}());
