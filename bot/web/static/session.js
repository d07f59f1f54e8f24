// Tells the site's other open tabs of this browser when it logs out or another customer logs
// in, so that no tab keeps showing the previous customer's chat (static/chat.js listens).
// BroadcastChannel where there is one; the `storage` event of localStorage as well (older
// browsers); a tab ignores what it said itself.
(function () {
  var NAME = "refund-session", tab = Math.random().toString(36).slice(2);
  var account = document.getElementById("account");
  var customer = account ? account.getAttribute("data-customer-id") : null;
  var channel = window.BroadcastChannel ? new window.BroadcastChannel(NAME) : null;
  var listeners = [];

  var heard = {};  // one message comes by both ways: act on it once
  function hear(message) {
    if (!message || message.tab === tab) { return; }
    var key = message.tab + ":" + message.at + ":" + message.type;
    if (heard[key]) { return; }
    heard[key] = true;
    listeners.forEach(function (handle) { handle(message); });
  }
  function announce(message) {
    message.tab = tab;
    message.at = Date.now();
    if (channel) { channel.postMessage(message); }
    try {  // the write alone tells the other tabs; nothing of it stays in the browser
      window.localStorage.setItem(NAME, JSON.stringify(message));
      window.localStorage.removeItem(NAME);
    } catch (e) { /* storage off */ }
  }
  if (channel) { channel.onmessage = function (event) { hear(event.data); }; }
  window.addEventListener("storage", function (event) {
    if (event.key !== NAME || !event.newValue) { return; }
    try { hear(JSON.parse(event.newValue)); } catch (e) { /* not ours */ }
  });
  window.refundSession = {
    customer: customer,
    listen: function (handle) { listeners.push(handle); },
    announce: announce
  };
  // Said by the page the logout leads to, once the server has ended the login: a tab told
  // earlier could reload while the login still held.
  if (document.getElementById("logged-out")) { announce({ type: "logout" }); }
  if (customer) { announce({ type: "login", customer: customer }); }
})();
