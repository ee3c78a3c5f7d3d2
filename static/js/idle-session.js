// Warns a user whose session ends when idle (accounts/idle_sessions.py) a few minutes before it
// does, and lets them stay logged in. The server enforces the limit; this only tells them in time.
(() => {
  const banner = document.getElementById("idle-warning");
  const form = banner.querySelector("form");
  const message = banner.querySelector("[data-idle-message]");
  const warningMs = Number(banner.dataset.warningSeconds) * 1000;
  // Tabs of one session share the latest deadline, so a forgotten tab does not log out a busy one.
  const SHARED_KEY = "portal-idle-deadline";
  let deadline = 0;
  let leaving = false;

  function restart(secondsLeft) {
    // One second more than the server's own deadline, so the server has ended the session when
    // the browser arrives at the login page, and shows why.
    deadline = Date.now() + (secondsLeft + 1) * 1000;
    check();
    localStorage.setItem(SHARED_KEY, String(deadline));
  }

  function leave() {
    leaving = true;
    const next = encodeURIComponent(location.pathname + location.search);
    location.assign(`${banner.dataset.loginUrl}?next=${next}`);
  }

  function check() {
    if (leaving) return;
    deadline = Math.max(deadline, Number(localStorage.getItem(SHARED_KEY)) || 0);
    const left = deadline - Date.now();
    if (left <= 0) return leave();
    const text = banner.dataset.message.replace("{minutes}", Math.ceil(left / 60000));
    // Only when the minute changes: a screen reader reads the alert again at every change.
    if (message.textContent !== text) message.textContent = text;
    banner.hidden = left > warningMs;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // A redirect means the server has already ended the session: go and log in again.
    const response = await fetch(form.action, { method: "POST", body: new FormData(form), redirect: "manual" })
      .catch(() => null);  // offline: the banner stays, and the button can be pressed again
    if (response?.ok) restart((await response.json()).seconds_left);
    else if (response) leave();
  });

  // Browsers slow the timers of a hidden tab: check every second, and as soon as it is seen again.
  restart(Number(banner.dataset.secondsLeft));
  setInterval(check, 1000);
  document.addEventListener("visibilitychange", check);
})();
