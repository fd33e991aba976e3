// The custid page: upload documents, follow them, see the numbers per issuer with their
// evidence, the documents, and the review list. Every call sends the API key as a Bearer token.
"use strict";

const KEY = "custid.apiKey";
const POLL_MS = 700;
const $ = (selector) => document.querySelector(selector);

function headers() {
  const key = sessionStorage.getItem(KEY);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options, headers: { ...headers(), ...(options.headers || {}) },
  });
  if (response.status === 401) {
    $("#key-status").textContent = "This needs a valid API key: enter it above.";
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail.message;  // every error: {detail: {code, message}}
    } catch (_) { /* not an answer of custid's (a proxy's) */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// Views

function show(view) {
  for (const button of document.querySelectorAll("nav button")) {
    if (button.dataset.view === view) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  for (const panel of document.querySelectorAll("[data-panel]")) {
    panel.hidden = panel.dataset.panel !== view;
  }
  if (view === "documents") loadDocuments();
  if (view === "review") loadReview();
}

// Upload and progress

function describe(body) {
  if (body.status === "failed") {
    return body.error ? `failed: ${body.error.code}: ${body.error.message}` : "failed";
  }
  if (body.status !== "done") return body.status;
  const count = body.result ? body.result.findings.length : 0;
  return `done: ${count} number${count === 1 ? "" : "s"} found`;
}

async function follow(url, line) {
  for (;;) {
    const body = await (await api(url)).json();
    line.status.textContent = describe(body);
    line.item.className = body.status;
    if (body.status === "done" || body.status === "failed") return body;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function upload(file) {
  const status = element("span", { text: "uploading" });
  const item = element("li", {}, element("span", { text: `${file.name}: ` }), status);
  $("#progress").append(item);
  const line = { item, status };
  try {
    const form = new FormData();
    form.append("file", file, file.name);
    const answer = await (await api("/v1/documents", { method: "POST", body: form })).json();
    if (answer.documents) {
      await followMailbox(answer, line);
      return;
    }
    const url = answer.status_url || `/v1/documents/${answer.id}`;
    status.textContent = answer.duplicate || !answer.status_url ? "stored before" : "queued";
    await follow(url, line);
  } catch (error) {
    item.className = "failed";
    status.textContent = `failed: ${error.message}`;
  }
}

// An mbox: a line for each of its messages, followed as any upload, and its problems.
async function followMailbox(answer, line) {
  const count = answer.documents.length;
  const problems = answer.problems.length;
  line.status.textContent = `${count} message${count === 1 ? "" : "s"}` +
    (problems ? `, ${problems} with a problem` : "");
  line.item.className = "done";
  const list = element("ul", { class: "messages" });
  line.item.append(list);
  const cut = new Set(answer.problems.filter((problem) => problem.id).map((p) => p.name));
  for (const problem of answer.problems.filter((p) => !p.id)) {
    list.append(element("li", { class: "failed",
                                text: `${problem.name}: ${problem.code}: ${problem.message}` }));
  }
  await Promise.all(answer.documents.map((document) => {
    const status = element("span", { text: document.duplicate ? "stored before" : "queued" });
    const name = cut.has(document.name) ? `${document.name} (cut short)` : document.name;
    const item = element("li", {}, element("span", { text: `${name}: ` }), status);
    list.append(item);
    return follow(document.status_url, { item, status });
  }));
}

async function uploadAll(files) {
  await Promise.all(Array.from(files).map(upload));
  await loadNumbers();
}

// Numbers per issuer

// An evidence image shows the full number (a reveal, rate-limited): fetched once it is seen.
const seen = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (entry.isIntersecting) {
      seen.unobserve(entry.target);
      loadEvidence(entry.target);
    }
  }
});

async function loadEvidence(image) {
  try {
    const blob = await (await api(image.dataset.src)).blob();
    image.src = URL.createObjectURL(blob);
  } catch (error) {
    image.alt = `The evidence could not be shown (${error.message})`;
  }
}

function evidenceImage(number) {
  const image = element("img", {
    alt: `Where ${number.label} ${number.value} is printed on ${number.filename}, ` +
         `page ${number.page}`,
    "data-src": number.evidence_url,
  });
  seen.observe(image);
  return image;
}

async function fullValue(issuer, number) {
  if (!number.value.includes("\u2022")) return number.value;
  const query = new URLSearchParams({ reveal: "true" });
  if (issuer) query.set("issuer", issuer);
  const groups = await (await api(`/v1/lookup?${query}`)).json();
  for (const group of groups) {
    for (const other of group.numbers) {
      if (other.document_id === number.document_id && other.finding === number.finding) {
        return other.value;
      }
    }
  }
  throw new Error("the number was not found again");
}

async function copy(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = element("textarea", { "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function numberCard(group, number) {
  const badge = element("span", {
    class: number.current ? "badge" : "badge old",
    text: number.current ? "current" : "earlier",
  });
  const kind = number.kind.replace("_", " ");
  const value = element("span", { class: "value", "data-testid": "number", text: number.value });
  const dates = number.first_seen && number.first_seen !== number.document_date
    ? `${number.first_seen} to ${number.document_date}` : (number.document_date || "no date");
  const agreeing = `${number.documents_agreeing} document` +
    (number.documents_agreeing === 1 ? "" : "s");
  const meta = element("div", {
    class: "meta",
    text: `${kind}, ${dates}; ${agreeing}; "${number.label}" on ${number.filename}, ` +
          `page ${number.page}; confidence ${number.confidence.toFixed(2)}`,
  });
  const button = element("button", {
    type: "button", text: "Copy number",
    "aria-label": `Copy the ${kind} of ${group.issuer || "this issuer"}`,
  });
  button.addEventListener("click", async () => {
    try {
      await copy(await fullValue(group.issuer, number));
      $("#copy-status").textContent = `Copied the ${kind} of ${group.issuer || "the issuer"}.`;
    } catch (error) {
      $("#copy-status").textContent = `Not copied: ${error.message}`;
    }
  });
  return element("div", { class: "number" },
    element("div", {}, value, badge, meta), element("div", {}, button), evidenceImage(number));
}

async function loadNumbers() {
  const target = $("#numbers");
  const query = new URLSearchParams();
  const issuer = $("#issuer").value.trim();
  if (issuer) query.set("issuer", issuer);
  if ($("#reveal").checked) query.set("reveal", "true");
  target.setAttribute("aria-busy", "true");
  try {
    const groups = await (await api(`/v1/lookup?${query}`)).json();
    target.replaceChildren(...groups.map((group) => {
      const section = element("section", { class: "issuer" },
        element("h3", { text: group.issuer || "Issuer not recognised" }));
      section.append(...group.numbers.map((number) => numberCard(group, number)));
      return section;
    }));
    if (!groups.length) target.replaceChildren(element("p", { text: "No numbers yet." }));
  } catch (error) {
    target.replaceChildren(element("p", { class: "failed", text: error.message }));
  } finally {
    target.setAttribute("aria-busy", "false");
  }
}

// Documents and review

// "Duke Energy (92%)": what was found with how sure custid is of it
function sure(value, confidence) {
  if (!value) return "";
  return confidence == null ? value : `${value} (${Math.round(confidence * 100)}%)`;
}

async function loadDocuments() {
  const body = $("#documents tbody");
  try {
    const page = await (await api("/v1/documents?limit=100")).json();
    body.replaceChildren(...page.items.map((row) => element("tr", {},
      element("td", { text: row.filename }),
      element("td", { class: row.status, text: row.status }),
      element("td", { text: sure(row.issuer, row.issuer_confidence) }),
      element("td", { text: sure(row.document_date, row.document_date_confidence) }),
      element("td", { text: row.created_at.replace("T", " ").slice(0, 16) }))));
  } catch (error) {
    body.replaceChildren(element("tr", {}, element("td", { colspan: "5", text: error.message })));
  }
}

async function decide(item, decision) {
  try {
    await api(`/v1/review/${item.id}`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ decision }),
    });
    $("#review-status").textContent = `${decision === "confirm" ? "Confirmed" : "Rejected"} ` +
      `${item.value} on ${item.filename}.`;
    await loadReview();
  } catch (error) {
    $("#review-status").textContent = `Not saved: ${error.message}`;
  }
}

async function loadReview() {
  const list = $("#review");
  try {
    const page = await (await api("/v1/review?limit=100")).json();
    list.replaceChildren(...page.items.map((item) => {
      const confirm = element("button", { type: "button", text: "Confirm" });
      const reject = element("button", { type: "button", text: "Reject" });
      confirm.addEventListener("click", () => decide(item, "confirm"));
      reject.addEventListener("click", () => decide(item, "reject"));
      const what = `${item.value} (${item.kind.replace("_", " ")}) on ${item.filename}` +
        `${item.issuer ? `, ${item.issuer}` : ""}: ${item.reason || "review"}, ` +
        `confidence ${item.confidence.toFixed(2)}`;
      return element("li", {}, element("span", { text: what }), " ", confirm, " ", reject);
    }));
    if (!page.items.length) list.replaceChildren(element("li", { text: "Nothing to review." }));
  } catch (error) {
    list.replaceChildren(element("li", { class: "failed", text: error.message }));
  }
}

// Wiring

document.addEventListener("DOMContentLoaded", () => {
  if (sessionStorage.getItem(KEY)) $("#key-status").textContent = "A key is set for this tab.";
  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#api-key").value.trim();
    if (key) sessionStorage.setItem(KEY, key);
    else sessionStorage.removeItem(KEY);
    $("#api-key").value = "";
    $("#key-status").textContent = key ? "The key is set for this tab." : "No key set.";
    loadNumbers();
  });
  for (const button of document.querySelectorAll("nav button")) {
    button.addEventListener("click", () => show(button.dataset.view));
  }
  $("#files").addEventListener("change", (event) => {
    uploadAll(event.target.files);
    event.target.value = "";
  });
  const drop = $("#drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    uploadAll(event.dataTransfer.files);
  });
  $("#lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadNumbers();
  });
  $("#documents-refresh").addEventListener("click", loadDocuments);
  if (sessionStorage.getItem(KEY)) loadNumbers();
});
