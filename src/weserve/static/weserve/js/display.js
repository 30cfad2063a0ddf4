/*
 * WeServe display board (queueing/display.html): live calls, voice, clock and ticker.
 *
 * State comes from the display snapshot (GET /api/v1/offices/<code>/display, also
 * embedded in the page) and then from numbered events on /ws/offices/<code>/display/.
 * An event is applied only when its seq is the last one + 1; a gap, a (re)connect or a
 * periodic check fetches the snapshot again. Calls ("called", "recalled") are announced
 * only from events applied live, never from a snapshot, so a resync never replays an
 * old call. If the WebSocket keeps failing the board polls the snapshot instead, and
 * then announces the calls that are new since its previous snapshot.
 *
 * What a counter's row shows is the server's rule: the snapshot and every event that
 * changes a counter carry the counter's row (weserve/queueing/selectors.py,
 * board_counters), and the board only replaces rows. "Now calling" is picked from the
 * rows by the same rule as the server's current_call. A call is drawn as soon as its
 * event is applied; only the voice waits its turn.
 *
 * Reading rules live on the server (weserve/queueing/voice.py); this file only looks
 * words up in the table the page carries. Announcements play one after another: chime,
 * Malay, English. A read-only window.__displayState lets tests see what happened, and
 * the board's data-* attributes say what it shows.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-display-board]");
  var dataNode = document.getElementById("display-data");
  if (!root || !dataNode) return;
  var DATA = JSON.parse(dataNode.textContent);
  var VOICE = DATA.voice;
  var STR = DATA.strings;

  var MAX_CALLS = 8;
  var MIN_SHOW_MS = 3500; // an announcement's turn, and the highlight, last this long at least
  var WORD_GAP_S = 0.06;
  var CHIME_GAP_MS = 250;
  var LANGUAGE_GAP_MS = 700;
  var PING_MS = 25000;
  var PONG_TIMEOUT_MS = 10000;
  var POLL_MS = 5000;
  var SAFETY_RESYNC_MS = 5 * 60 * 1000;
  var NOTICES_REFRESH_MS = 10 * 60 * 1000;
  var BACKOFF_START_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var FAILS_BEFORE_POLLING = 3;
  // A socket that closes this soon after opening counts as a failure (a proxy that
  // accepts and drops, a server that refuses), so such a board falls back to polling.
  var HEALTHY_AFTER_MS = 10000;
  var POLL_ANNOUNCE_WINDOW_MS = 2 * 60 * 1000;
  var OFFLINE_AFTER_MS = 2000; // the banner shows within 5 s of a lost connection
  var STATUS_CHECK_MS = 1000;
  var TICKER_PX_PER_S_PER_VW = 0.075; // scroll speed as a share of the screen width
  var REDUCED_ROTATE_MS = 12000;
  var TIME_ZONE = "Asia/Kuala_Lumpur";
  var LOCALE = DATA.language === "en" ? "en-GB" : "ms-MY";

  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // --- Server time ----------------------------------------------------------------------
  var clockOffset = DATA.server_time - Date.now();
  function serverNow() {
    return Date.now() + clockOffset;
  }
  function noteServerDate(response) {
    var header = response.headers.get("Date");
    var at = header ? Date.parse(header) : NaN;
    if (!isNaN(at) && Math.abs(at - Date.now() - clockOffset) > 2000) {
      clockOffset = at - Date.now();
    }
  }
  var dayFormat = new Intl.DateTimeFormat("en-CA", {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  function localDay(ms) {
    return dayFormat.format(new Date(ms));
  }

  // --- State ------------------------------------------------------------------------------
  var state = {
    seq: 0,
    floor: 0, // the highest snapshot seq adopted: nothing at or below it is announced
    calls: [],
    counters: [],
    waiting: {},
    ticker: DATA.ticker || [],
    mode: "live",
    connected: false,
    synced: true, // the embedded snapshot is current when the page loads
    connections: 0,
    resyncs: 0,
    lastContact: Date.now(),
  };
  var log = []; // every announcement, for window.__displayState
  var knownCalls = new Set(); // calls already on screen, for the polling fallback
  var queue = [];
  var playing = null;

  function callKey(number, counterId, ms) {
    return localDay(ms) + "|" + number + "|" + counterId;
  }
  function keyOfSnapshotCall(call) {
    var at = call.called_at ? Date.parse(call.called_at) : serverNow();
    return callKey(call.number, call.counter ? call.counter.id : "", at);
  }

  // A counter's row is the server's (weserve.queueing.selectors.board_counters): the
  // snapshot carries every row and each event that changes a counter carries that row,
  // so the board never works out a counter's ticket itself; it only replaces rows.
  function findCounter(id) {
    for (var i = 0; i < state.counters.length; i++) {
      if (state.counters[i].id === id) return i;
    }
    return -1;
  }

  // "Now calling" is the latest call that is still current: of the tickets counters
  // serve now, the one called or recalled last (selectors.current_call, the same rule).
  function currentCall() {
    var best = null;
    state.counters.forEach(function (c) {
      if (!c.ticket || c.last_call_ms === null || c.last_call_ms === undefined) return;
      if (
        !best ||
        c.last_call_ms > best.last_call_ms ||
        (c.last_call_ms === best.last_call_ms && c.number > best.number)
      ) {
        best = c;
      }
    });
    return best;
  }

  function adoptSnapshot(snap) {
    state.seq = snap.seq;
    state.floor = Math.max(state.floor, snap.seq);
    state.calls = (snap.calls || []).slice(0, MAX_CALLS);
    state.counters = (snap.counters || []).map(function (c) {
      return Object.assign({}, c);
    });
    state.waiting = Object.assign({}, snap.waiting || {});
    for (var i = state.calls.length - 1; i >= 0; i--) {
      knownCalls.add(keyOfSnapshotCall(state.calls[i]));
    }
    render();
  }

  // --- Applying events ---------------------------------------------------------------------
  var needsResync = false;

  function bump(service, delta) {
    if (!service) return;
    state.waiting[service] = Math.max(0, (state.waiting[service] || 0) + delta);
  }
  function replaceRow(row) {
    if (!row || typeof row.state !== "string") return;
    var i = findCounter(row.id);
    if (i === -1) {
      // A counter this board has never seen (added since it loaded): start again.
      needsResync = true;
      return;
    }
    state.counters[i] = Object.assign({}, row);
  }
  function removeCall(number) {
    state.calls = state.calls.filter(function (call) {
      return call.number !== number;
    });
  }
  function setCallStatus(number, status) {
    state.calls.forEach(function (call) {
      if (call.number === number) call.status = status;
    });
  }
  function addCall(t) {
    removeCall(t.number);
    state.calls.unshift({
      number: t.number,
      service: t.service,
      priority: t.priority,
      status: "called",
      counter: t.counter,
      called_at: new Date(serverNow()).toISOString(),
    });
    state.calls = state.calls.slice(0, MAX_CALLS);
    knownCalls.add(callKey(t.number, t.counter ? t.counter.id : "", serverNow()));
  }

  function applyEvent(e) {
    var t = e.ticket || {};
    replaceRow(e.counter);
    switch (e.type) {
      case "issued":
      case "reinstated":
        bump(t.service, 1);
        break;
      case "cancelled":
        bump(t.service, -1);
        break;
      case "called":
        bump(t.service, -1);
        addCall(t);
        break;
      case "started":
        setCallStatus(t.number, "serving");
        break;
      case "completed":
        setCallStatus(t.number, "completed");
        break;
      case "no_show":
        removeCall(t.number);
        break;
      case "transferred":
        // Back to waiting, maybe under another service: no longer a call anywhere.
        removeCall(t.number);
        bump(t.service, 1);
        break;
      case "notices_changed":
        refreshNotices();
        break;
      default:
        // Counter events carry only their row; a type this board does not know only
        // moves the sequence on.
        break;
    }
  }

  var fetching = false;
  var pending = [];
  var draws = []; // when each live call reached the page and when it was drawn, for tests

  function onEvent(e, receivedAt) {
    state.lastContact = Date.now();
    if (fetching) {
      // Bounded: a snapshot that keeps failing must not let the buffer grow for ever;
      // the snapshot that finally arrives carries whatever was dropped.
      if (pending.length < 1000) pending.push(e);
      return;
    }
    if (e.seq <= state.seq) return;
    if (e.seq !== state.seq + 1) {
      pending.push(e);
      resync("gap");
      return;
    }
    state.seq = e.seq;
    applyEvent(e);
    render();
    if ((e.type === "called" || e.type === "recalled") && e.seq > state.floor) {
      // Drawn now; only the voice waits its turn behind earlier announcements.
      flash(e.ticket && e.ticket.counter ? e.ticket.counter.id : null);
      noteDrawn(e, receivedAt);
      enqueue(e.seq, e.type, e.ticket, "live");
    }
    if (needsResync) {
      needsResync = false;
      resync("unknown counter");
    }
  }

  function noteDrawn(e, receivedAt) {
    var entry = {
      seq: e.seq,
      type: e.type,
      number: e.ticket ? e.ticket.number : null,
      receivedAt: receivedAt || performance.now(),
      drawnAt: null,
    };
    draws.push(entry);
    if (draws.length > 200) draws.shift();
    // The frame that carries the change: what a person sees.
    requestAnimationFrame(function () {
      entry.drawnAt = performance.now();
    });
  }

  // --- Snapshot --------------------------------------------------------------------------
  function fetchSnapshot() {
    return fetch(DATA.snapshot_url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("snapshot " + response.status);
      noteServerDate(response);
      return response.json();
    });
  }

  var resyncRetry = null;
  var resyncDelay = BACKOFF_START_MS;

  function drainPending() {
    var list = pending.splice(0).sort(function (a, b) {
      return a.seq - b.seq;
    });
    list.forEach(function (e) {
      onEvent(e);
    });
  }

  function resync(reason) {
    if (fetching) return;
    fetching = true;
    clearTimeout(resyncRetry);
    fetchSnapshot()
      .then(function (snap) {
        fetching = false;
        resyncDelay = BACKOFF_START_MS;
        state.resyncs += 1;
        state.lastContact = Date.now();
        state.synced = true;
        if (state.mode === "polling") {
          adoptAnnouncingNew(snap);
        } else {
          adoptSnapshot(snap);
        }
        drainPending();
        setStatus();
      })
      .catch(function () {
        fetching = false;
        setStatus();
        resyncRetry = setTimeout(function () {
          resync(reason);
        }, resyncDelay);
        resyncDelay = Math.min(resyncDelay * 2, BACKOFF_MAX_MS);
      });
  }

  // --- WebSocket, with polling as the fallback --------------------------------------------
  var socket = null;
  var backoff = BACKOFF_START_MS;
  var failures = 0;
  var reconnectTimer = null;
  var healthyTimer = null;
  var pingTimer = null;
  var pongTimer = null;
  var pollTimer = null;

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + DATA.socket_path;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    var opened = false;
    var sock;
    try {
      sock = new WebSocket(socketUrl());
    } catch (err) {
      failures += 1;
      afterClose();
      return;
    }
    socket = sock;
    var openedAt = 0;
    sock.onopen = function () {
      opened = true;
      openedAt = Date.now();
      state.connected = true;
      state.connections += 1;
      state.lastContact = Date.now();
      clearTimeout(healthyTimer);
      healthyTimer = setTimeout(function () {
        if (socket !== sock) return;
        failures = 0;
        backoff = BACKOFF_START_MS;
        stopPolling();
        setStatus();
      }, HEALTHY_AFTER_MS);
      startPing(sock);
      // Subscribed first, then the snapshot: nothing can fall between the two.
      resync("connect");
      setStatus();
    };
    sock.onmessage = function (message) {
      var receivedAt = performance.now();
      var event;
      try {
        event = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      state.lastContact = Date.now();
      if (event && event.type === "pong") {
        clearTimeout(pongTimer);
        return;
      }
      if (event && typeof event.seq === "number") onEvent(event, receivedAt);
    };
    sock.onclose = function () {
      if (socket !== sock) return;
      socket = null;
      state.connected = false;
      // What the board shows stays, but it is no longer known to be current: only a
      // snapshot fetched after the next connection makes it so.
      state.synced = false;
      clearTimeout(healthyTimer);
      stopPing();
      if (!opened || Date.now() - openedAt < HEALTHY_AFTER_MS) failures += 1;
      afterClose();
    };
  }

  function afterClose() {
    if (failures >= FAILS_BEFORE_POLLING) startPolling();
    setStatus();
    var delay = backoff * (0.75 + Math.random() * 0.5);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    reconnectTimer = setTimeout(connect, delay);
  }

  function startPing(sock) {
    stopPing();
    pingTimer = setInterval(function () {
      if (sock.readyState !== WebSocket.OPEN) return;
      sock.send(JSON.stringify({ type: "ping" }));
      clearTimeout(pongTimer);
      // No answer: the connection is dead without having said so. Close and reconnect.
      pongTimer = setTimeout(function () {
        sock.close();
      }, PONG_TIMEOUT_MS);
    }, PING_MS);
  }
  function stopPing() {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  function startPolling() {
    if (pollTimer) return;
    state.mode = "polling";
    pollTimer = setInterval(poll, POLL_MS);
    poll();
  }
  function stopPolling() {
    if (!pollTimer) return;
    clearInterval(pollTimer);
    pollTimer = null;
    lastPollOk = 0;
    state.mode = "live";
  }

  // Without events, a call is new if it was not on screen before and is recent; used
  // only while polling, where no event will ever announce it.
  function adoptAnnouncingNew(snap) {
    var now = serverNow();
    var fresh = (snap.calls || []).filter(function (call) {
      var at = call.called_at ? Date.parse(call.called_at) : now;
      return (
        call.counter &&
        !knownCalls.has(keyOfSnapshotCall(call)) &&
        now - at < POLL_ANNOUNCE_WINDOW_MS
      );
    });
    adoptSnapshot(snap);
    if (fresh.length) flash(fresh[0].counter.id);
    fresh.reverse().forEach(function (call) {
      enqueue(snap.seq, "called", call, "poll");
    });
  }

  function poll() {
    if (fetching) return;
    fetching = true;
    fetchSnapshot()
      .then(function (snap) {
        fetching = false;
        state.lastContact = Date.now();
        lastPollOk = Date.now();
        if (snap.seq !== state.seq) adoptAnnouncingNew(snap);
        drainPending();
      })
      .catch(function () {
        fetching = false;
        lastPollOk = 0;
      })
      .then(setStatus);
  }

  // Polling is live only on the evidence of its own fetches: the last one succeeded,
  // recently. (What the socket said before it dropped proves nothing about now.)
  var lastPollOk = 0;

  function isLive() {
    if (state.connected && state.synced) return true;
    return state.mode === "polling" && lastPollOk > 0 && Date.now() - lastPollOk < 3 * POLL_MS;
  }

  // Since when the board has not been live (null while it is). The banner shows once
  // that has lasted OFFLINE_AFTER_MS, counted from the first moment, never restarted by
  // later checks, and hides as soon as a snapshot has been adopted again.
  var offlineSince = null;
  var bannerTimer = null;

  function setStatus() {
    var live = isLive();
    root.setAttribute(
      "data-state",
      state.connected && state.synced ? "live" : live ? "polling" : "offline",
    );
    var banner = root.querySelector("[data-connection]");
    if (live) {
      offlineSince = null;
      clearTimeout(bannerTimer);
      bannerTimer = null;
      if (banner) banner.hidden = true;
      return;
    }
    if (offlineSince === null) offlineSince = Date.now();
    var left = OFFLINE_AFTER_MS - (Date.now() - offlineSince);
    if (left <= 0) {
      if (banner) banner.hidden = false;
    } else if (!bannerTimer) {
      // A reconnect that takes a moment is not worth alarming anyone about.
      bannerTimer = setTimeout(function () {
        bannerTimer = null;
        setStatus();
      }, left);
    }
  }

  // --- Rendering ------------------------------------------------------------------------
  function counterLabel(number) {
    return STR.counter.replace("{number}", String(number));
  }

  function render() {
    renderCounters();
    renderHero();
    renderWaiting();
    renderPrevious();
  }

  function renderCounters() {
    var list = root.querySelector("[data-counter-list]");
    if (!list) return;
    var rows = list.querySelectorAll("[data-counter-id]");
    var same =
      rows.length === state.counters.length &&
      state.counters.every(function (c, i) {
        return String(c.id) === rows[i].getAttribute("data-counter-id");
      });
    if (!same) {
      list.textContent = "";
      state.counters.forEach(function (c) {
        var li = document.createElement("li");
        li.className = "counter-row";
        li.setAttribute("data-counter-id", String(c.id));
        var name = document.createElement("span");
        name.className = "counter-name";
        var label = document.createElement("span");
        label.className = "counter-label";
        label.textContent = counterLabel(c.number);
        var st = document.createElement("span");
        st.className = "counter-state";
        st.setAttribute("data-counter-state", "");
        name.appendChild(label);
        name.appendChild(st);
        var ticket = document.createElement("span");
        ticket.className = "counter-ticket";
        ticket.setAttribute("data-counter-ticket", "");
        li.appendChild(name);
        li.appendChild(ticket);
        list.appendChild(li);
      });
      list.setAttribute("data-count", String(state.counters.length));
      rows = list.querySelectorAll("[data-counter-id]");
    }
    state.counters.forEach(function (c, i) {
      var row = rows[i];
      row.setAttribute("data-state", c.state);
      row.setAttribute("data-ticket", c.ticket || "");
      row.querySelector("[data-counter-state]").textContent = STR.states[c.state] || "";
      row.querySelector("[data-counter-ticket]").textContent = c.ticket || "\u2014";
    });
  }

  function renderWaiting() {
    root.querySelectorAll("[data-waiting-list] [data-service]").forEach(function (item) {
      var count = state.waiting[item.getAttribute("data-service")] || 0;
      item.querySelector("[data-waiting-count]").textContent = String(count);
      item.toggleAttribute("data-empty", count === 0);
    });
  }

  var heroNumber = null;

  function renderPrevious() {
    var list = root.querySelector("[data-previous-calls]");
    if (!list) return;
    list.textContent = "";
    state.calls
      .filter(function (call) {
        return call.number !== heroNumber;
      })
      .slice(0, 4)
      .forEach(function (call) {
        var li = document.createElement("li");
        li.className = "previous-item";
        var number = document.createElement("span");
        number.className = "previous-number";
        number.textContent = call.number;
        var counter = document.createElement("span");
        counter.className = "previous-counter";
        counter.textContent = call.counter ? counterLabel(call.counter.number) : "";
        li.appendChild(number);
        li.appendChild(counter);
        list.appendChild(li);
      });
  }

  // The hero always shows "Now calling" by the rule, drawn with the event that changed it;
  // the voice never holds it back.
  function renderHero() {
    var hero = root.querySelector("[data-hero]");
    var current = currentCall();
    heroNumber = current ? current.ticket : null;
    hero.setAttribute("data-current-ticket", current ? current.ticket : "");
    hero.setAttribute("data-current-counter", current ? String(current.id) : "");
    root.querySelector("[data-hero-number]").textContent = current ? current.ticket : "\u2014";
    root.querySelector("[data-hero-counter]").textContent = current ? counterLabel(current.number) : "";
    var priority = root.querySelector("[data-hero-priority]");
    var label =
      current && current.priority && current.priority !== "none" ? STR.priorities[current.priority] : "";
    priority.textContent = label || "";
    priority.hidden = !label;
  }

  // Three pulses on the hero and the counter's row for a call heard live, restarted by
  // each call; the highlight stays while the voice is still speaking calls.
  var flashTimer = null;
  var flashedAt = 0;

  function flash(counterId) {
    var hero = root.querySelector("[data-hero]");
    root.querySelectorAll("[data-counter-id][data-flash]").forEach(function (row) {
      row.removeAttribute("data-flash");
    });
    hero.removeAttribute("data-flash");
    void hero.offsetWidth; // re-adding the attribute restarts the animation
    hero.setAttribute("data-flash", "");
    var row = counterId !== null && root.querySelector('[data-counter-id="' + counterId + '"]');
    if (row) row.setAttribute("data-flash", "");
    flashedAt = Date.now();
    clearTimeout(flashTimer);
    flashTimer = null;
  }

  function unflashWhenQuiet() {
    if (playing || queue.length) return;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () {
      if (playing || queue.length) return;
      root.querySelector("[data-hero]").removeAttribute("data-flash");
      root.querySelectorAll("[data-counter-id][data-flash]").forEach(function (row) {
        row.removeAttribute("data-flash");
      });
    }, Math.max(0, MIN_SHOW_MS - (Date.now() - flashedAt)));
  }

  // --- Voice ------------------------------------------------------------------------------
  function compose(number, counterNumber, language) {
    var parts = VOICE.lead[language].slice();
    String(number)
      .toUpperCase()
      .split("")
      .forEach(function (ch) {
        parts.push.apply(parts, VOICE.chars[language][ch] || []);
      });
    parts.push.apply(parts, VOICE.counter[language]);
    var whole = VOICE.counters[language][String(counterNumber)];
    if (whole) {
      parts.push.apply(parts, whole);
    } else {
      String(counterNumber)
        .split("")
        .forEach(function (d) {
          parts.push.apply(parts, VOICE.chars[language][d] || []);
        });
    }
    return parts;
  }

  var audio = {
    ctx: null,
    cache: new Map(),
    init: function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      try {
        this.ctx = new Context();
      } catch (err) {
        this.ctx = null;
        return;
      }
      var self = this;
      this.ctx.onstatechange = soundButton;
      Object.keys(VOICE.urls).forEach(function (name) {
        self.load(name);
      });
      soundButton();
    },
    running: function () {
      return !!this.ctx && this.ctx.state === "running";
    },
    load: function (name) {
      if (this.cache.has(name)) return this.cache.get(name);
      var url = VOICE.urls[name];
      var ctx = this.ctx;
      var promise =
        !url || !ctx
          ? Promise.resolve(null)
          : fetch(url, { credentials: "same-origin" })
              .then(function (response) {
                if (!response.ok) throw new Error(String(response.status));
                return response.arrayBuffer();
              })
              .then(function (bytes) {
                return ctx.decodeAudioData(bytes);
              })
              .catch(function () {
                return null;
              });
      this.cache.set(name, promise);
      return promise;
    },
    buffers: function (names) {
      return Promise.all(names.map(this.load, this)).then(function (list) {
        return list.every(Boolean) ? list : null;
      });
    },
    play: function (buffers) {
      var ctx = this.ctx;
      return new Promise(function (resolve) {
        var at = ctx.currentTime + 0.05;
        var done = false;
        function finish() {
          if (!done) {
            done = true;
            resolve();
          }
        }
        var last = null;
        buffers.forEach(function (buffer) {
          var source = ctx.createBufferSource();
          source.buffer = buffer;
          source.connect(ctx.destination);
          source.start(at);
          at += buffer.duration + WORD_GAP_S;
          last = source;
        });
        if (last) last.onended = finish;
        // If the audio clock stalls (device unplugged), the queue must not.
        setTimeout(finish, (at - ctx.currentTime) * 1000 + 1000);
      });
    },
  };

  function soundButton() {
    var button = root.querySelector("[data-enable-sound]");
    if (button) button.hidden = !audio.ctx || audio.running();
  }
  function unlockSound() {
    if (audio.ctx && audio.ctx.state !== "running") {
      audio.ctx.resume().then(soundButton, soundButton);
    }
  }

  function speechVoice(language) {
    if (!("speechSynthesis" in window)) return null;
    var prefix = language.toLowerCase();
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang.replace("_", "-").toLowerCase().indexOf(prefix) === 0) return voices[i];
    }
    return null;
  }

  function speak(parts, language) {
    // The browser's own voice, where it has one for the language: no cloud, no clips.
    var voiceFound = speechVoice(language);
    if (!voiceFound) return Promise.resolve(false);
    var text = parts
      .map(function (p) {
        return VOICE.text[p] || "";
      })
      .join(" ");
    return new Promise(function (resolve) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = voiceFound;
      utterance.lang = voiceFound.lang || VOICE.speech_langs[language];
      utterance.rate = 0.9;
      var done = false;
      function finish(ok) {
        if (!done) {
          done = true;
          resolve(ok);
        }
      }
      utterance.onend = function () {
        finish(true);
      };
      utterance.onerror = function () {
        finish(false);
      };
      window.speechSynthesis.speak(utterance);
      setTimeout(function () {
        finish(true);
      }, 15000);
    });
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  function announce(entry) {
    var how = [];
    if (!audio.ctx) {
      // No Web Audio at all: the browser's own voice, language by language, if it has one.
      return VOICE.languages
        .reduce(function (chain, language) {
          return chain.then(function () {
            return speak(entry.parts[language], language).then(function (ok) {
              how.push(ok ? "speech" : "silent");
            });
          });
        }, Promise.resolve())
        .then(function () {
          return how.join(",");
        });
    }
    if (!audio.running()) return Promise.resolve("muted");
    var steps = [{ parts: [VOICE.chime], language: null }].concat(
      VOICE.languages.map(function (language) {
        return { parts: entry.parts[language], language: language };
      }),
    );
    return steps
      .reduce(function (chain, step, index) {
        return chain.then(function () {
          return audio
            .buffers(step.parts)
            .then(function (buffers) {
              if (buffers) {
                how.push("clips");
                return audio.play(buffers);
              }
              if (!step.language) return null;
              return speak(step.parts, step.language).then(function (ok) {
                how.push(ok ? "speech" : "silent");
              });
            })
            .then(function () {
              return sleep(index === 0 ? CHIME_GAP_MS : LANGUAGE_GAP_MS);
            });
        });
      }, Promise.resolve())
      .then(function () {
        return how.join(",");
      });
  }

  function enqueue(seq, type, ticket, source) {
    if (!ticket || !ticket.counter) return;
    var parts = {};
    VOICE.languages.forEach(function (language) {
      parts[language] = compose(ticket.number, ticket.counter.number, language);
    });
    var entry = {
      seq: seq,
      type: type,
      source: source,
      number: ticket.number,
      counter: ticket.counter.number,
      counterId: ticket.counter.id,
      priority: ticket.priority || "none",
      parts: parts,
      queuedAt: Date.now(),
      startedAt: null,
      endedAt: null,
      spoken: null,
    };
    log.push(entry);
    if (log.length > 200) log.shift();
    queue.push(entry);
    pump();
  }

  function pump() {
    if (playing || !queue.length) return;
    var entry = queue.shift();
    playing = entry;
    entry.startedAt = Date.now();
    var started = Date.now();
    announce(entry)
      .catch(function () {
        return "error";
      })
      .then(function (spoken) {
        entry.spoken = spoken;
        var rest = MIN_SHOW_MS - (Date.now() - started);
        return rest > 0 ? sleep(rest) : null;
      })
      .then(function () {
        entry.endedAt = Date.now();
        playing = null;
        pump();
        unflashWhenQuiet();
      });
  }

  // --- Clock ------------------------------------------------------------------------------
  var timeFormat = new Intl.DateTimeFormat(LOCALE, {
    timeZone: TIME_ZONE,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  var dateFormat = new Intl.DateTimeFormat(LOCALE, {
    timeZone: TIME_ZONE,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  });
  function tick() {
    var now = new Date(serverNow());
    root.querySelector("[data-clock-time]").textContent = timeFormat.format(now);
    root.querySelector("[data-clock-date]").textContent = dateFormat.format(now);
    setTimeout(tick, 1000 - (serverNow() % 1000) + 5);
  }

  // --- Ticker -----------------------------------------------------------------------------
  var tickerSignature = null;
  var rotateTimer = null;

  function showingItems(now) {
    return state.ticker.filter(function (item) {
      var from = item.from ? Date.parse(item.from) : null;
      var until = item.until ? Date.parse(item.until) : null;
      return (from === null || from <= now) && (until === null || until > now);
    });
  }

  function renderTicker(force) {
    var track = root.querySelector("[data-ticker]");
    if (!track) return;
    var items = showingItems(serverNow());
    var signature = JSON.stringify(items) + (reducedMotion.matches ? "|still" : "|moving");
    if (!force && signature === tickerSignature) return;
    tickerSignature = signature;
    track.textContent = "";
    var still = reducedMotion.matches;
    items.forEach(function (item) {
      if (still) {
        // Without motion the line cannot scroll: one language of one item at a time.
        tickerPiece(track, item, [["ms", item.label_ms, item.text_ms]]);
        if (item.text_en) tickerPiece(track, item, [["en", item.label_en, item.text_en]]);
        return;
      }
      var label = item.label_ms + (item.label_en && item.label_en !== item.label_ms ? " \u00b7 " + item.label_en : "");
      var texts = [["ms", label, item.text_ms]];
      if (item.text_en) texts.push(["en", null, item.text_en]);
      tickerPiece(track, item, texts);
    });
    startTicker(track);
  }

  function tickerPiece(track, item, texts) {
    var span = document.createElement("span");
    span.className = "ticker-item";
    span.setAttribute("data-kind", item.kind);
    texts.forEach(function (entry, index) {
      var language = entry[0];
      if (entry[1]) {
        var label = document.createElement("span");
        label.className = "ticker-label";
        label.lang = language;
        label.textContent = entry[1];
        span.appendChild(label);
      }
      if (index > 0) {
        var sep = document.createElement("span");
        sep.className = "ticker-sep";
        sep.setAttribute("aria-hidden", "true");
        sep.textContent = "/";
        span.appendChild(sep);
      }
      var text = document.createElement("span");
      text.className = "ticker-text";
      text.lang = language;
      text.textContent = entry[2];
      span.appendChild(text);
    });
    track.appendChild(span);
  }

  function startTicker(track) {
    clearInterval(rotateTimer);
    var items = track.querySelectorAll(".ticker-item");
    if (reducedMotion.matches) {
      // No scrolling: one item at a time, changed every few seconds.
      var index = 0;
      var show = function () {
        items.forEach(function (item, i) {
          item.hidden = i !== index;
        });
        index = (index + 1) % Math.max(items.length, 1);
      };
      show();
      if (items.length > 1) rotateTimer = setInterval(show, REDUCED_ROTATE_MS);
      return;
    }
    items.forEach(function (item) {
      item.hidden = false;
    });
    var speed = window.innerWidth * TICKER_PX_PER_S_PER_VW;
    var seconds = Math.max(20, Math.round(track.scrollWidth / speed));
    // CSSOM, not a style attribute: allowed by the page's Content-Security-Policy.
    track.style.setProperty("--ticker-seconds", seconds + "s");
    // Start with the text already on screen rather than a blank band for a screen's width.
    var lead = Math.min(0.95, (window.innerWidth * 0.9) / Math.max(track.scrollWidth, 1));
    track.style.setProperty("--ticker-delay", -(lead * seconds).toFixed(2) + "s");
  }

  function refreshNotices() {
    return fetch(DATA.notices_url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        state.ticker = body.items || [];
        renderTicker(false);
      })
      .catch(function () {
        /* the ticker keeps what it had; the next refresh tries again */
      });
  }

  // --- For tests: a read-only view of what the board has done ------------------------------
  Object.defineProperty(window, "__displayState", {
    configurable: false,
    enumerable: false,
    get: function () {
      return JSON.parse(
        JSON.stringify({
          seq: state.seq,
          floor: state.floor,
          mode: state.mode,
          connected: state.connected,
          connections: state.connections,
          resyncs: state.resyncs,
          soundRunning: audio.running(),
          playing: playing ? playing.number : null,
          queued: queue.length,
          calls: state.calls,
          waiting: state.waiting,
          announcements: log,
          draws: draws,
          synced: state.synced,
        }),
      );
    },
  });

  // --- Start ------------------------------------------------------------------------------
  adoptSnapshot(DATA.snapshot);
  tick();
  renderTicker(true);
  audio.init();
  var button = root.querySelector("[data-enable-sound]");
  if (button) button.addEventListener("click", unlockSound);
  document.addEventListener("pointerdown", unlockSound);
  document.addEventListener("keydown", unlockSound);
  if (reducedMotion.addEventListener) {
    reducedMotion.addEventListener("change", function () {
      renderTicker(true);
    });
  }
  window.addEventListener("resize", function () {
    renderTicker(true);
  });
  setInterval(function () {
    renderTicker(false);
  }, 30000);
  setInterval(refreshNotices, NOTICES_REFRESH_MS);
  setInterval(function () {
    if (state.connected && !playing) resync("periodic");
  }, SAFETY_RESYNC_MS);
  setInterval(setStatus, STATUS_CHECK_MS);
  connect();
})();
