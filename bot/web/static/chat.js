// Honest about the connection (rasa-webchat 1.0.1 only shows 「正在连接…」 in its header and
// disables its input): a banner while the chat server is unreachable, after a while with the
// support hours and a link to leave a message, the input saying why it is off, a grey launcher
// while closed; and 「人工客服 … 正在输入…」 when the agent types in the console.
// Honest about the login too: the chat token in the socket's address lives 30 minutes, so the
// widget fetches a fresh one while the website login holds (every few minutes, and whenever the
// chat server says it took the socket for a guest), reconnecting with it when needed; when the
// login is gone it says so in the chat and on the page, with the way back; when this browser
// logs out or another customer logs in (another tab), the previous customer's chat goes away.
(function () {
  var element = document.getElementById("webchat");
  var DOWN_AFTER = 8000, TYPING_SHOWN = 6000, HINT = "请输入您的问题…", OFFLINE_HINT = "连接中断，恢复后可继续输入";
  var TOKEN_REFRESH = 10 * 60 * 1000, LOGIN_AGAIN = "/login?next=/chat";
  var state = { connected: false, ever: false, since: Date.now(), typingTimer: null, agent: null, preview: "",
                socket: null, loginLost: false, refreshing: false, reconnect: false, leaving: false };
  var hours = element ? element.getAttribute("data-support-hours") : "";
  var customer = element ? element.getAttribute("data-customer-id") : null;
  var tokenUrl = element ? element.getAttribute("data-token-url") : null;

  function make(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) { node.textContent = text; }
    return node;
  }
  function slot(className, before) {  // our element inside the open widget, (re)created when needed
    var container = document.querySelector(".rw-conversation-container");
    if (!container) { return null; }
    var node = container.querySelector("." + className);
    if (!node) {
      node = make("div", className);
      var anchor = container.querySelector(before);
      container.insertBefore(node, anchor || null);
    }
    return node;
  }
  function renderBanner() {
    var banner = slot("rw-connection", ".rw-messages-container");
    var launcher = document.querySelector(".rw-launcher");
    var down = !state.connected && (state.ever || Date.now() - state.since > DOWN_AFTER);
    var long = !state.connected && Date.now() - state.since > DOWN_AFTER;
    var box = document.querySelector(".rw-new-message");
    if (launcher) { launcher.classList.toggle("rw-offline", down); }
    if (box && box.getAttribute("placeholder") !== (down ? OFFLINE_HINT : HINT)) {
      box.setAttribute("placeholder", down ? OFFLINE_HINT : HINT);
    }
    if (!banner) { return; }
    banner.setAttribute("role", "status");
    banner.hidden = !down;
    banner.parentNode.classList.toggle("rw-offline-banner", down);
    if (!down || banner.getAttribute("data-long") === String(long)) { return; }
    banner.setAttribute("data-long", String(long));
    banner.textContent = "";
    banner.appendChild(make("strong", "", long ? "智能助手暂时连接不上，正在自动重连。" : "连接中断，正在重连…"));
    if (long) {
      banner.appendChild(document.createTextNode(" 人工客服服务时间：" + hours + "。您也可以"));
      var link = make("a", "", "留言或预约电话回访");
      link.href = "/contact";
      link.target = "_blank";
      link.rel = "noopener";
      banner.appendChild(link);
      banner.appendChild(document.createTextNode("，客服会尽快联系您。"));
    }
  }
  function renderTyping() {
    var line = slot("rw-agent-typing", ".rw-sender");
    if (!line) { return; }
    var text = state.agent ? "人工客服 " + state.agent + " 正在输入…" : "";
    line.setAttribute("aria-live", "polite");
    line.hidden = !state.agent;
    if (line.textContent !== text) { line.textContent = text; }
  }
  // While the window is closed, the newest message shows above the launcher (the widget's own
  // preview starts at the oldest message and sits inside the launcher button, a control
  // nested in a control); a click opens the chat.
  function renderPreview(text) {
    var preview = document.getElementById("refund-preview");
    var open = document.querySelector(".rw-conversation-container");
    if (!preview) {
      preview = make("div", "refund-preview");
      preview.id = "refund-preview";
      preview.setAttribute("role", "status");
      var show = make("button", "refund-preview-text");
      show.type = "button";
      show.addEventListener("click", function () { var l = document.querySelector(".rw-launcher"); if (l) { l.click(); } });
      var close = make("button", "refund-preview-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "关闭消息预览");
      close.addEventListener("click", function () { state.preview = ""; renderPreview(); });
      preview.appendChild(show);
      preview.appendChild(close);
      document.body.appendChild(preview);
    }
    if (typeof text === "string") { state.preview = text; }
    var shown = open ? "" : state.preview;
    preview.hidden = !shown;
    var body = preview.querySelector(".refund-preview-text");
    if (body.textContent !== shown) { body.textContent = shown; }
  }
  // 「登录已过期」 inside the chat window, above the messages, with the way back.
  function renderLogin() {
    var box = slot("rw-login", ".rw-messages-container");
    if (!box) { return; }
    box.hidden = !state.loginLost;
    if (!state.loginLost || box.childNodes.length) { return; }
    box.setAttribute("role", "alert");
    box.appendChild(make("strong", "", "登录已过期。"));
    box.appendChild(document.createTextNode("现在只能咨询退款政策；办理退款、查询进度请"));
    var link = make("a", "", "重新登录");
    link.href = LOGIN_AGAIN;
    box.appendChild(link);
    box.appendChild(document.createTextNode("，登录后回到这里继续。"));
  }
  // ...and on the page: the header no longer names the customer, and a notice says why.
  function showLoginLost() {
    if (state.loginLost) { return; }
    state.loginLost = true;
    var account = document.getElementById("account");
    if (account) {
      account.removeAttribute("data-customer-id");
      account.textContent = "登录已过期 · ";
      var again = make("a", "", "重新登录");
      again.href = LOGIN_AGAIN;
      account.appendChild(again);
    }
    var greeting = document.getElementById("greeting");  // 「您好，张伟。」 no longer holds
    if (greeting) { greeting.textContent = "您当前未登录，可以咨询退款政策；办理退款请先登录。"; }
    var main = document.querySelector("main");
    if (main && !document.getElementById("login-lost")) {
      var notice = make("p", "notice", "登录已过期，智能助手现在只能回答退款政策问题。请");
      notice.id = "login-lost";
      notice.setAttribute("role", "alert");
      var link = make("a", "", "重新登录");
      link.href = LOGIN_AGAIN;
      notice.appendChild(link);
      notice.appendChild(document.createTextNode("后继续办理退款或查询进度。"));
      main.insertBefore(notice, main.firstChild);
    }
    renderLogin();
  }
  // This browser logged out, or another customer logged in: nothing of the previous
  // customer's chat may stay on screen or in this tab's storage.
  function signedOut() {
    if (state.leaving) { return; }  // a second call would abort the first navigation
    state.leaving = true;
    try { window.sessionStorage.removeItem("chat_session"); } catch (e) { /* storage off */ }
    if (state.socket) { state.socket.disconnect(); }
    window.location.replace("/chat?signed_out=1");
  }
  // (Re)connect the socket to `address` (socket.io keeps using it for later reconnections;
  // engine.io keeps the last query it parsed unless the address brings its own).
  function reconnectTo(address) {
    var manager = state.socket && state.socket.io;
    if (!manager) { return; }
    manager.uri = address;
    if (address.indexOf("?") < 0 && manager.opts) { manager.opts.query = {}; }
    if (state.socket.connected) { state.socket.disconnect(); }
    state.socket.connect();
  }
  // The login is gone: say so, and go on as a guest (policy questions) rather than stay refused.
  function loginLost() {
    showLoginLost();
    var manager = state.socket && state.socket.io;
    if (manager && /[?&]token=/.test(manager.uri)) {
      reconnectTo(manager.uri.replace(/([?&])token=[^&]*&?/, "$1").replace(/[?&]$/, ""));
    }
  }
  // A fresh chat token while the website login of this page's customer holds; `reconnect`
  // when the chat server refused the old one or took the socket for a guest (the widget then
  // resumes the same conversation, as the customer).
  function refreshLogin(reconnect) {
    state.reconnect = state.reconnect || reconnect;  // a refresh already under way reconnects too
    if (!customer || !tokenUrl || state.refreshing || state.loginLost) { return; }
    state.refreshing = true;
    fetch(tokenUrl + "?for=" + encodeURIComponent(customer), { credentials: "same-origin", cache: "no-store" })
      .then(function (resp) {
        state.refreshing = false;
        if (resp.status === 409) { signedOut(); return null; }
        if (resp.status === 401 || resp.status === 403) { loginLost(); return null; }
        return resp.ok ? resp.json() : null;
      })
      .then(function (body) {
        var manager = state.socket && state.socket.io;
        if (!body || !body.socket_url || !manager) { return; }
        if (state.reconnect) { reconnectTo(body.socket_url); } else { manager.uri = body.socket_url; }
        state.reconnect = false;
      })
      .catch(function () {  // offline: ask again shortly if the socket waits for it
        state.refreshing = false;
        if (state.reconnect) { setTimeout(function () { refreshLogin(true); }, 5000); }
      });
  }
  if (customer) {
    setInterval(function () { refreshLogin(false); }, TOKEN_REFRESH);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { refreshLogin(false); } });
  }
  if (window.refundSession) {
    window.refundSession.listen(function (message) {
      if (!customer) { return; }
      if (message.type === "logout" || (message.type === "login" && message.customer !== customer)) { signedOut(); }
    });
  }
  window.refundWidget = {
    socket: function (socket) { if (socket && socket.io) { state.socket = socket; } },
    loginState: function (socket, data) {
      window.refundWidget.socket(socket);
      if (!customer || !data || state.loginLost) { return; }
      if (data.state === "customer" && data.customer_id === customer) { return; }
      if (data.state === "customer") { signedOut(); return; }
      refreshLogin(true);
    },
    // The chat server refused the socket's token because it expired or its login ended.
    refused: function (socket, error) {
      window.refundWidget.socket(socket);
      var reason = error && error.data && error.data.state;
      if (reason !== "expired" && reason !== "ended") { return; }
      if (customer && !state.loginLost) { refreshLogin(true); } else { loginLost(); }
    },
    preview: function (message) {
      var text = message && typeof message.text === "string" ? message.text : "";
      if (text && !document.querySelector(".rw-conversation-container")) { renderPreview(text.slice(0, 120)); }
    },
    changed: function (connected) {
      if (!connected && state.connected) { state.since = Date.now(); }  // a new outage starts now
      state.connected = connected;
      state.ever = state.ever || connected;
      renderBanner();
    },
    agentTyping: function (data) {
      clearTimeout(state.typingTimer);
      state.agent = data && data.agent_name ? String(data.agent_name).slice(0, 20) : null;
      if (state.agent) { state.typingTimer = setTimeout(function () { state.agent = null; renderTyping(); }, TYPING_SHOWN); }
      renderTyping();
    }
  };
  // The widget re-creates its window when opened: put our parts back, and keep the banner's
  // wording current while the server stays away.
  if (window.MutationObserver) {
    new MutationObserver(function () {
      renderBanner(); renderTyping(); if (state.loginLost) { renderLogin(); } if (state.preview) { renderPreview(); }
    })
      .observe(document.body, { childList: true, subtree: true });
  }
  setInterval(renderBanner, 1000);
})();

// Starts the chat widget with the settings the page put on #webchat (no inline script, so the
// page's Content-Security-Policy can forbid inline scripts and javascript: links).
(function () {
  var element = document.getElementById("webchat");
  if (!element || !window.WebChat) { return; }
  var delay = parseInt(element.getAttribute("data-message-delay") || "300", 10);
  var widget = window.refundWidget;
  window.WebChat.default({
    selector: "#webchat",
    initPayload: "/greet",
    socketUrl: element.getAttribute("data-socket-url"),
    socketPath: "/socket.io/",
    title: "云途退款助手",
    subtitle: "退款申请 · 进度查询 · 政策咨询",
    inputTextFieldHint: "请输入您的问题…",
    connectingText: "正在连接…",
    hideWhenNotConnected: false,
    // Without this the widget stays display:none until the server confirms a session, so an
    // unreachable server made the launcher vanish.
    withRules: false,
    showFullScreenButton: false,
    displayUnreadCount: true,
    customMessageDelay: function () { return delay; },
    params: { storage: "session" },
    onSocketEvent: {
      // socket.io calls these with the socket as `this`: the widget keeps it to reconnect
      // with a fresh chat token.
      session_confirm: function () { widget.socket(this); widget.changed(true); },
      login_state: function (data) { widget.loginState(this, data); },
      disconnect: function () { widget.changed(false); },
      connect_error: function (error) { widget.changed(false); widget.refused(this, error); },
      agent_typing: function (data) { widget.agentTyping(data); },
      bot_uttered: function (message) { widget.agentTyping(null); widget.preview(message); }
    }
  }, null);
})();

// rasa-webchat 1.0.1 renders icon-only buttons without names, a message list that screen
// readers do not announce, and agents' messages like the assistant's: name the buttons, make
// the list a polite live region and mark agents' bubbles, whenever the widget (re)renders them.
(function () {
  // The widget mounts itself at the end of <body>, not inside #webchat.
  var root = document.body;
  if (!document.getElementById("webchat") || !window.MutationObserver) { return; }
  var names = [[".rw-send", "发送"],
               [".rw-close-button", "收起对话窗口"], [".rw-new-message", "输入您的问题"]];
  function label() {
    var launcher = root.querySelector(".rw-launcher");
    var unread = root.querySelector(".rw-unread-count-pastille");
    // Starts with the badge's visible number, so the spoken name matches what is seen.
    var name = (unread ? unread.textContent + " 条未读消息，" : "") + "打开或收起云途退款助手";
    if (launcher && launcher.getAttribute("aria-label") !== name) { launcher.setAttribute("aria-label", name); }
    names.forEach(function (pair) {
      var element = root.querySelector(pair[0]);
      if (element && element.getAttribute("aria-label") !== pair[1]) { element.setAttribute("aria-label", pair[1]); }
    });
    // A human agent's message (signed 【人工客服 名字】 by the console) gets its own bubble style
    // and the agent's name above it, so it never reads as the assistant.
    Array.prototype.forEach.call(root.querySelectorAll(".rw-response .rw-message-text"), function (text) {
      var bubble = text.closest(".rw-response");
      if (!bubble || bubble.classList.contains("rw-agent")) { return; }
      var signed = /^【人工客服\s*([^】]{1,20})】/.exec(text.textContent || "");
      if (signed) {
        bubble.classList.add("rw-agent");
        bubble.setAttribute("data-agent", "人工客服 · " + signed[1]);
        bubble.setAttribute("data-initial", signed[1].trim().slice(-1));  // 小李 → 李, shown as an avatar
      }
    });
    var log = root.querySelector(".rw-messages-container");
    if (log && log.getAttribute("role") !== "log") {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "对话记录");
      log.setAttribute("tabindex", "0");  // scrollable by keyboard too (small screens, 200% zoom)
    }
  }
  label();
  new MutationObserver(label).observe(root, { childList: true, subtree: true });
})();


// While a human agent holds the conversation, the console shows 「客户正在输入…」: tell the site
// (at most every few seconds) that the logged-in customer is typing in the widget.
(function () {
  var element = document.getElementById("webchat");
  var url = element && element.getAttribute("data-typing-url");
  if (!url || !window.fetch) { return; }
  var csrf = element.getAttribute("data-csrf"), last = 0, pending = null;
  function tell() {
    pending = null;
    var box = document.querySelector(".rw-new-message");
    if (!box || !(box.value || "").trim()) { return; }  // sent or cleared meanwhile: not typing any more
    last = Date.now();
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } }).catch(function () {});
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target || !target.classList || !target.classList.contains("rw-new-message")) { return; }
    if (pending !== null || !(target.value || "").trim()) { return; }
    // At most one signal every 3 s; a keystroke inside that time is told when it is over.
    pending = setTimeout(tell, Math.max(0, last + 3000 - Date.now()));
  });
})();
