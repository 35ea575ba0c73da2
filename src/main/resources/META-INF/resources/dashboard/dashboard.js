// The operator dashboard: a page over the operator API (/api/v1), nothing else. The API key stays
// in this tab's sessionStorage and goes only into the X-API-Key header of API calls.
"use strict";

const state = { key: sessionStorage.getItem("dropletworker.key"), roles: [], cursors: [null], page: 0, selected: null };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(path, options) {
  const response = await fetch("/api/v1" + path, {
    ...(options || {}),
    headers: { "X-API-Key": state.key || "", "Content-Type": "application/json", ...((options || {}).headers || {}) },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const why = response.status === 401 ? "the key was not accepted"
      : response.status === 403 ? "this key may only read" : (body && body.message) || response.statusText;
    const error = new Error(why);
    error.status = response.status;
    throw error;
  }
  return body;
}

function say(text, isError) {
  const m = $("#message");
  m.textContent = text;
  m.className = isError ? "error" : "";
  m.hidden = !text;
}

const canOperate = () => state.roles.includes("operate");
const time = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const badge = (s) => el("span", { class: "badge s-" + s }, s || "");

async function signIn(key) {
  state.key = key;
  try {
    const me = await api("/me");
    state.roles = me.roles;
    sessionStorage.setItem("dropletworker.key", key);
    $("#who").textContent = "signed in as " + me.name + " (" + me.roles.join(", ") + ")";
    $("#signout").hidden = false;
    $("#key-label").hidden = true;
    $("#key").value = "";
    $("#signin button[type=submit]").hidden = true;
    say("");
    await refresh();
  } catch (e) {
    state.key = null;
    sessionStorage.removeItem("dropletworker.key");
    say("Sign-in failed: " + e.message, true);
  }
}

async function refresh() {
  if (!state.key) return;
  await Promise.all([loadCounts(), loadAccounts(), loadJobs(), loadHeld()]);
  if (state.selected) await showJob(state.selected, true);
}

async function loadCounts() {
  const counts = await api("/jobs/counts");
  const box = $("#counts");
  box.replaceChildren(el("div", { class: "count total" }, el("span", { class: "n" }, counts.total), "jobs"));
  for (const [s, n] of Object.entries(counts.by_state)) {
    box.append(el("div", { class: "count", title: "Show " + s + " jobs", onclick: () => filterBy("state", s) },
      el("span", { class: "n" }, n), badge(s)));
  }
}

async function loadAccounts() {
  const accounts = await api("/accounts");
  $("#accounts").replaceChildren(...accounts.map(accountCard));
}

function accountCard(a) {
  const b = a.budget;
  const bar = (left, cap) => el("div", { class: "bar" }, el("span", { style: "width:" + Math.round(100 * left / Math.max(1, cap)) + "%" }));
  const card = el("div", { class: "card" },
    el("h4", {}, a.account, a.paused ? el("span", { class: "badge paused" }, "paused") : el("span", { class: "badge s-completed" }, "dispatching")),
    el("div", {}, a.waiting_jobs + " waiting job" + (a.waiting_jobs === 1 ? "" : "s")));
  if (b) {
    card.append(el("div", { class: "muted" }, "sliding minute: " + b.minute_remaining + " of " + b.minute_capacity + " left"), bar(b.minute_remaining, b.minute_capacity),
      el("div", { class: "muted" }, "sliding hour: " + b.hour_remaining + " of " + b.hour_capacity + " left"), bar(b.hour_remaining, b.hour_capacity));
    if (b.paused_until) card.append(el("div", { class: "badge s-failed" }, "429: waiting until " + time(b.paused_until)));
  } else {
    card.append(el("div", { class: "muted" }, "no token configured"));
  }
  if (a.paused) card.append(el("div", { class: "muted" }, "paused " + time(a.paused_at) + " by " + a.paused_by + (a.pause_reason ? ": " + a.pause_reason : "")));
  if (canOperate() && a.configured) {
    card.append(a.paused
      ? el("button", { class: "primary", onclick: () => act("/accounts/" + encodeURIComponent(a.account) + "/resume", null, "Resumed " + a.account) }, "Resume dispatch")
      : el("button", { class: "danger", onclick: () => {
          const reason = prompt("Pause dispatch for " + a.account + "? Reason (optional):");
          if (reason !== null) act("/accounts/" + encodeURIComponent(a.account) + "/pause", { reason }, "Paused " + a.account);
        } }, "Pause dispatch"));
  }
  return card;
}

async function loadHeld() {
  const [parked, letters] = await Promise.all([api("/parked-events?limit=20"), api("/dead-letters?limit=20")]);
  $("#held-counts").textContent = parked.total + " parked event" + (parked.total === 1 ? "" : "s") + " · " +
    letters.total + " dead letter" + (letters.total === 1 ? "" : "s");
  $("#parked tbody").replaceChildren(...(parked.parked_events.length ? parked.parked_events.map((p) => el("tr", {},
    el("td", {}, time(p.parked_at)), el("td", {}, p.type.replace("dev.dropletworker.job.", "")),
    el("td", { class: "mono" }, el("a", { href: "#job=" + p.job_id, onclick: (e) => { e.preventDefault(); showJob(p.job_id); } }, p.job_id.slice(0, 8))),
    el("td", {}, p.reason),
    el("td", {}, canOperate() ? el("button", { onclick: () => act("/parked-events/" + p.id + "/publish", null, "Handed back to the relay: " + p.id) }, "Publish again") : null)))
    : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "None."))]));
  $("#dead-letters tbody").replaceChildren(...(letters.dead_letters.length ? letters.dead_letters.map((d) => el("tr", { style: "cursor:pointer", onclick: () => showDeadLetter(d.id) },
    el("td", {}, time(d.received_at)), el("td", { class: "mono" }, d.topic + "-" + d.partition + "@" + d.offset),
    el("td", {}, d.value_size + " B" + (d.value_cut ? " (cut)" : "")), el("td", {}, d.reason)))
    : [el("tr", {}, el("td", { colspan: 4, class: "muted" }, "None."))]));
}

async function showDeadLetter(id) {
  const d = await api("/dead-letters/" + id);
  const pre = $("#dead-letter-value");
  pre.textContent = d.value_text !== null ? d.value_text : "(not text; base64) " + (d.value_base64 || "");
  pre.hidden = false;
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("#filters")).entries()) {
    if (!v) continue;
    params.set(k, k.startsWith("received_") ? new Date(v).toISOString() : v);
  }
  params.set("limit", "25");
  const cursor = state.cursors[state.page];
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}

async function loadJobs() {
  const list = await api("/jobs?" + filterQuery());
  state.cursors[state.page + 1] = list.next_cursor;
  $("#next").disabled = !list.next_cursor;
  $("#first").disabled = state.page === 0;
  $("#page-info").textContent = "page " + (state.page + 1) + " · " + list.jobs.length + " shown";
  $("#jobs tbody").replaceChildren(...list.jobs.map((j) => el("tr", { class: j.id === state.selected ? "selected" : "", onclick: () => showJob(j.id) },
    el("td", {}, time(j.received_at)),
    el("td", { class: "mono" }, j.command_id),
    el("td", {}, (j.command_type || "(none)").replace("droplet.", ""), j.action_type ? el("span", { class: "muted" }, " " + j.action_type) : null),
    el("td", {}, j.account),
    el("td", {}, j.droplet_id !== null ? String(j.droplet_id) : j.tag_name ? "tag " + j.tag_name : ""),
    el("td", {}, badge(j.state), j.error && j.error.reason ? el("span", { class: "muted" }, " " + j.error.reason) : null),
    el("td", {}, j.generation),
    el("td", {}, j.attempts))));
  if (list.jobs.length === 0) $("#jobs tbody").append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No jobs match.")));
}

function filterBy(name, value) {
  const form = $("#filters");
  form.reset();
  form.elements[name].value = value;
  state.page = 0;
  state.cursors = [null];
  loadJobs().catch((e) => say(e.message, true));
}

async function showJob(id, quiet) {
  state.selected = id;
  if (!quiet) history.replaceState(null, "", location.pathname + "#job=" + id);
  let job;
  try {
    job = await api("/jobs/" + id);
  } catch (e) {
    if (!quiet) say(e.message, true);
    return;
  }
  $("#detail").hidden = false;
  $("#detail-id").textContent = job.command_id;
  const buttons = [];
  if (canOperate() && job.retryable) buttons.push(el("button", { class: "primary", onclick: () => act("/jobs/" + job.id + "/retry", null, "Retry started: generation " + (job.generation + 1)) }, "Retry"));
  if (canOperate() && job.cancellable) buttons.push(el("button", { class: "danger", onclick: () => confirm("Cancel this job? It ends cancelled and nothing is sent.") && act("/jobs/" + job.id + "/cancel", null, "Cancelled") }, "Cancel"));
  if (!canOperate() && (job.retryable || job.cancellable)) buttons.push(el("span", { class: "muted" }, "An operate key may retry or cancel this job."));
  $("#detail-actions").replaceChildren(...buttons);
  const fields = [["State", badge(job.state)], ["Job id", el("span", { class: "mono" }, job.id)], ["Event id", el("span", { class: "mono" }, job.event_id)],
    ["Type", job.command_type], ["Account", job.account], ["Droplet", job.droplet_id], ["Tag", job.tag_name],
    ["Generation", job.generation], ["Attempts", job.attempts], ["Received", time(job.received_at)], ["Accepted by DigitalOcean", time(job.in_progress_at)],
    ["Finished", time(job.finished_at)], ["Last request sent", time(job.sent_at)], ["Answer lost since", time(job.unconfirmed_since)], ["Read from", job.origin]];
  if (job.error) fields.push(["Error", [job.error.reason || "last API error", job.error.http_status ? " · HTTP " + job.error.http_status : "",
    job.error.id ? " · " + job.error.id : "", job.error.message ? " · " + job.error.message : "", job.error.request_id ? " · request " + job.error.request_id : ""].join("")]);
  if (job.problems) fields.push(["Problems", el("pre", {}, job.problems.map((p) => p.pointer + ": " + p.message).join("\n"))]);
  if (job.request) fields.push(["Request", el("pre", {}, JSON.stringify(job.request, null, 2))]);
  $("#detail-fields").replaceChildren(...fields.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  let previous = null;
  $("#timeline").replaceChildren(...job.transitions.map((t) => {
    const took = previous ? " (+" + ((new Date(t.at) - new Date(previous)) / 1000).toFixed(1) + " s)" : "";
    previous = t.at;
    return el("li", {}, el("span", { class: "t" }, time(t.at) + took), t.from ? badge(t.from) : "new", " → ", badge(t.to), t.detail ? el("span", { class: "muted" }, " " + t.detail) : null);
  }));
  $("#actions tbody").replaceChildren(...(job.actions.length ? job.actions.map((a) => el("tr", {}, el("td", {}, a.generation), el("td", { class: "mono" }, a.id), el("td", {}, a.type),
    el("td", {}, badge(a.status)), el("td", {}, a.resource_id), el("td", {}, time(a.started_at)), el("td", {}, time(a.completed_at)), el("td", {}, a.polls)))
    : [el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No action started."))]));
  const droplets = job.droplets || [];
  $("#droplets-block").hidden = droplets.length === 0;
  $("#droplets tbody").replaceChildren(...droplets.map((d) => {
    const v4 = ((d.networks || {}).v4 || []).filter((n) => n.type === "public").map((n) => n.ip_address).join(", ");
    return el("tr", {}, el("td", { class: "mono" }, d.id), el("td", {}, d.name), el("td", {}, d.status || ""), el("td", { class: "mono" }, v4),
      el("td", {}, d.action_id, " ", badge(d.action_status)));
  }));
  document.querySelectorAll("#jobs tbody tr").forEach((tr) => tr.classList.remove("selected"));
}

async function act(path, body, done) {
  try {
    await api(path, { method: "POST", body: body ? JSON.stringify(body) : undefined });
    say(done);
  } catch (e) {
    say("Not done: " + e.message, true);
  }
  await refresh();
}

$("#signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#key").value.trim()); });
$("#signout").addEventListener("click", () => { sessionStorage.removeItem("dropletworker.key"); location.reload(); });
$("#filters").addEventListener("submit", (e) => { e.preventDefault(); state.page = 0; state.cursors = [null]; loadJobs().catch((x) => say(x.message, true)); });
$("#filters").addEventListener("reset", () => setTimeout(() => { state.page = 0; state.cursors = [null]; loadJobs().catch((x) => say(x.message, true)); }));
$("#next").addEventListener("click", () => { state.page++; loadJobs().catch((x) => say(x.message, true)); });
$("#first").addEventListener("click", () => { state.page = 0; loadJobs().catch((x) => say(x.message, true)); });

// A key in the URL fragment (#key=...) signs in at once and is removed from the address bar;
// #job=<id> opens that job.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("job")) state.selected = fragment.get("job");
if (fragment.get("key")) {
  history.replaceState(null, "", location.pathname + (state.selected ? "#job=" + state.selected : ""));
  signIn(fragment.get("key"));
} else if (state.key) {
  signIn(state.key);
} else {
  say("Sign in with an API key (role read, or operate to retry, cancel and pause).");
}
setInterval(() => refresh().catch(() => {}), 5000);
