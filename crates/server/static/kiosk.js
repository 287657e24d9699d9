// The self-service terminal: the keypad edits its field in place (without this script each key
// is a round trip to the server, which writes nothing), and an idle page goes back to the start
// (signed in: through the finish form, which ends the session).
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
  var timer = null;
  function leave() {
    var finish = document.getElementById("k-finish-form");
    if (finish) { finish.submit(); } else { window.location.href = body.getAttribute("data-home") || "/kiosk"; }
  }
  function awake() {
    if (idle <= 0) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(leave, idle * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (e) { document.addEventListener(e, awake, { passive: true }); });
  awake();

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button[name=key]") : null;
    if (!b || !b.form) { return; }
    var field = b.form.querySelector("input[name=entry]");
    if (!field) { return; }
    ev.preventDefault();
    var max = parseInt(field.getAttribute("data-max") || "18", 10);
    var k = b.value;
    var v = field.value;
    if (k === "del") { v = v.slice(0, -1); }
    else if (k === "clear") { v = ""; }
    else if (v.length < max) { v = v + k; }
    field.value = v;
  });
})();
