/* Tripod: sorting and filtering the portfolio table on the internal dashboard.
   Without this script the page is a plain full table and the controls stay hidden.
   With it, the table shows the first PAGE rows of its order and filter, and "Show
   all" the rest: a browser lays out a hundred rows at once, not a thousand, so
   sorting and filtering take no visible time at any size of portfolio.
   Written for a strict Content-Security-Policy: no inline code, no eval, no string
   timers, no style writes; rows are shown and hidden with the `hidden` property. */
(function () {
  'use strict';

  var PAGE = 100; // as the stylesheet's first view: tr:nth-child(n+101) waits for this script

  function start() {
    var table = document.getElementById('tp-table');
    if (!table || !table.tBodies.length) return;
    var tbody = table.tBodies[0];
    var heads = table.tHead ? Array.prototype.slice.call(table.tHead.rows[0].cells) : [];
    var filter = document.getElementById('tp-filter');
    var select = document.getElementById('tp-state');
    var shown = document.getElementById('tp-shown');
    var portfolio = table.closest('.tp-portfolio');
    var controls = portfolio && portfolio.querySelector('.tp-controls');
    var paging = portfolio && portfolio.querySelector('.tp-paging');
    var all = document.getElementById('tp-all');
    var limit = PAGE;

    // Read the rows once: later work touches only these records and the `hidden`
    // property, never the layout.
    var rows = Array.prototype.map.call(tbody.rows, function (tr, index) {
      var search = tr.getAttribute('data-search');
      var states = {};
      (tr.getAttribute('data-states') || '').split(/\s+/).forEach(function (token) {
        if (token) states[token] = true;
      });
      return {
        tr: tr,
        index: index,
        // Its own words (names, states, dates) and what the page adds to find it by (its id).
        search: ((search === null ? '' : search + ' ') + tr.textContent).toLowerCase(),
        states: states,
        keys: [],
        hidden: tr.hidden,
      };
    });
    var total = rows.length;
    var order = rows; // the rows in the table's order

    // One column's sort keys, read from data-sort the first time it is sorted.
    var keyed = [];
    function keys(column, type) {
      if (keyed[column]) return;
      var numeric = type === 'number' || type === 'status';
      rows.forEach(function (row) {
        var cell = row.tr.cells[column];
        var raw = cell ? cell.getAttribute('data-sort') : null;
        if (raw === null && cell) raw = cell.textContent.trim();
        raw = raw === null ? '' : raw.trim();
        var value;
        if (numeric) {
          value = raw === '' ? NaN : Number(raw);
          value = isNaN(value) ? null : value;
        } else if (type === 'date') {
          value = raw === '' ? null : raw;
        } else {
          value = raw.toLowerCase();
        }
        row.keys[column] = value;
      });
      keyed[column] = true;
    }

    var sorted = { column: -1, descending: false };
    heads.forEach(function (th, column) {
      var now = th.getAttribute('aria-sort');
      if (now === 'ascending' || now === 'descending') {
        sorted = { column: column, descending: now === 'descending' };
      }
    });

    function sortBy(column) {
      var th = heads[column];
      var type = th.getAttribute('data-type') || 'text';
      var descending = sorted.column === column ? !sorted.descending : false;
      keys(column, type);
      var sign = descending ? -1 : 1;
      var sorted_ = rows.slice();
      sorted_.sort(function (a, b) {
        var x = a.keys[column];
        var y = b.keys[column];
        if (x !== y) {
          // A missing value (an empty date) goes last whichever the direction.
          if (x === null) return 1;
          if (y === null) return -1;
          if (x < y) return -sign;
          if (x > y) return sign;
        }
        return a.index - b.index;
      });
      var fragment = document.createDocumentFragment();
      sorted_.forEach(function (row) {
        fragment.appendChild(row.tr);
      });
      tbody.appendChild(fragment);
      order = sorted_;
      apply();
      heads.forEach(function (other) {
        if (other !== th) other.removeAttribute('aria-sort');
      });
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      sorted = { column: column, descending: descending };
    }

    heads.forEach(function (th, column) {
      var button = th.querySelector('button');
      if (button) {
        button.addEventListener('click', function () {
          sortBy(column);
        });
      }
    });

    function apply() {
      var state = select ? select.value : 'all';
      var words = filter ? filter.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var count = 0;
      order.forEach(function (row) {
        var show = state === 'all' || !state || row.states[state] === true;
        for (var i = 0; show && i < words.length; i++) {
          show = row.search.indexOf(words[i]) !== -1;
        }
        if (show) count++;
        show = show && count <= limit;
        // Write only what changes: a write to every row costs a style pass per row.
        if (row.hidden === show) {
          row.hidden = !show;
          row.tr.hidden = !show;
        }
      });
      var paged = count > limit;
      if (shown) {
        shown.textContent =
          count + ' of ' + total + ' clients' + (paged ? ', the first ' + limit + ' shown' : '');
      }
      if (paging) paging.hidden = !paged;
      if (all) all.textContent = 'Show all ' + count;
    }

    // A new filter starts again from the first page; a new order keeps what is shown.
    function refilter() {
      limit = PAGE;
      apply();
    }

    function hasOption(value) {
      if (!select) return false;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === value) return true;
      }
      return false;
    }

    // `#state=TOKEN&q=text`: whether the hash is one of ours, and if so, select and filter.
    function fromHash(hash) {
      var fields = {};
      hash.replace(/^#/, '').split('&').forEach(function (pair) {
        var at = pair.indexOf('=');
        if (at < 1) return;
        try {
          fields[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
        } catch (e) {
          // A malformed escape: ignore that field.
        }
      });
      if (!('state' in fields) && !('q' in fields)) return false;
      if (select && 'state' in fields) select.value = hasOption(fields.state) ? fields.state : 'all';
      if (filter && 'q' in fields) filter.value = fields.q;
      refilter();
      return true;
    }

    function toHash() {
      var hash = '#state=' + encodeURIComponent(select.value);
      if (filter && filter.value.trim()) hash += '&q=' + encodeURIComponent(filter.value.trim());
      if (hash !== location.hash) history.replaceState(history.state, '', hash);
    }

    function reveal() {
      if (portfolio) portfolio.scrollIntoView({ block: 'start' });
    }

    if (filter) filter.addEventListener('input', refilter);
    if (select) {
      select.addEventListener('change', function () {
        refilter();
        toHash();
      });
    }
    if (all) {
      all.addEventListener('click', function () {
        limit = Infinity;
        apply();
      });
    }
    window.addEventListener('hashchange', function () {
      if (fromHash(location.hash)) reveal();
    });

    // A total's link filters and brings the table into view, also when its hash is
    // already the address's (then no hashchange comes).
    var totals = document.querySelector('.tp-totals');
    if (totals) {
      totals.addEventListener('click', function (event) {
        var link = event.target.closest('a[href^="#state="]');
        if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        if (link.hash === location.hash) {
          event.preventDefault();
          fromHash(link.hash);
          reveal();
        }
      });
    }

    if (controls) controls.hidden = false;
    if (!fromHash(location.hash)) apply();
    table.classList.add('tp-live'); // from now on the script says which rows show
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
