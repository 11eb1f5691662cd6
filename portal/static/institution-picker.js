/* The institution fields of the forms (kind_form.jinja2 `institution_field`), as the user types: the choices follow
   the text box, from the public search of institutions (GET /api/v1/public/institutions, which gives each one's
   institution_id), within the field's scope — a commission's jurisdiction, and at most the field's limit. Without
   this script the 查找 button does the same on the server; it stays, for what the public search cannot find (an
   institution's number, one not yet published). The institution chosen is always kept among the choices. */
(function () {
  "use strict";
  var USCC = /^[0-9A-Z]{18}$/, IDENTIFIER = /^[DNH][0-9]{17}[0-9A-Z]$/, NUMBER = /^[0-9]+$/;
  var WAIT = 300; // ms after the last key before asking

  function setUp(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "true";
    var box = picker.querySelector("input[type=search]");
    var button = picker.querySelector("button[name=lookup]");
    var select = picker.querySelector("select");
    var status = picker.querySelector(".picker-status");
    var limit = parseInt(picker.dataset.limit, 10) || 50;
    var registered = picker.dataset.registered === "true";
    var timer = null, asked = 0;

    function address(text) {
      var code = text.toUpperCase();
      var query = new URLSearchParams({ limit: String(limit) });
      if (USCC.test(code)) query.set("uscc", code);
      else if (IDENTIFIER.test(code)) query.set("identifier", code);
      else query.set("name", text);
      if (picker.dataset.division) query.set("division", picker.dataset.division);
      return picker.dataset.api + "?" + query.toString();
    }

    function show(text, items, more) {
      var chosen = select.selectedIndex > 0 ? select.options[select.selectedIndex] : null;
      var value = select.value;
      var found = items.filter(function (item) {
        return item.kind === "institution" && item.institution_id != null && (!registered || item.status === "operating");
      }).filter(function (item) {
        return !chosen || String(item.institution_id) !== chosen.value;
      }).slice(0, chosen ? limit - 1 : limit);
      while (select.options.length > 1) select.remove(1);
      if (chosen) select.add(chosen);
      found.forEach(function (item) {
        select.add(new Option(item.name + "（" + item.division + "）", String(item.institution_id)));
      });
      select.value = value;
      if (picker.dataset.required === "true") select.options[0].text = select.options.length > 1 ? "请选择" : "请先查找机构";
      if (!found.length) {
        status.textContent = "未找到与“" + text + "”相符的机构；可点“查找”再试。";
      } else if (more) {
        status.textContent = "与“" + text + "”相符的机构超过 " + found.length + " 家，只列出前 " + found.length + " 家，请输入更完整的名称。";
      } else {
        status.textContent = "找到 " + found.length + " 家与“" + text + "”相符的机构，请在列表中选择。";
      }
    }

    function lookUp() {
      clearTimeout(timer);
      var text = box.value.trim();
      if (!text || NUMBER.test(text)) return; // an institution's number: the server finds it (查找)
      var mine = ++asked;
      fetch(address(text), { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
        .then(function (page) { if (mine === asked) show(text, page.items || [], Boolean(page.next)); })
        .catch(function () { if (mine === asked) status.textContent = "暂时无法自动查找，请点“查找”。"; });
    }

    box.addEventListener("input", function (event) {
      if (event.isComposing) return; // a Chinese input method is still composing: wait for compositionend
      clearTimeout(timer);
      timer = setTimeout(lookUp, WAIT);
    });
    box.addEventListener("compositionend", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, WAIT);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault(); // Enter in the box looks up, never submits the form
      if (NUMBER.test(box.value.trim())) button.click();
      else lookUp();
    });
  }

  /* The 查找 button is the first submit button of the form, so it is the form's default: Enter in any other field
     (a phone keyboard's 前往) would look up instead of submitting, and the page came back with nothing said. Enter in
     a field outside the pickers' search boxes submits the form, as the form's own button does. */
  function submitOnEnter(form) {
    if (form.dataset.enterSubmits) return;
    form.dataset.enterSubmits = "true";
    form.addEventListener("keydown", function (event) {
      var field = event.target;
      if (event.key !== "Enter" || event.isComposing || field.tagName !== "INPUT") return;
      if (field.type === "search" || field.type === "submit" || field.type === "button" || field.type === "file") return;
      event.preventDefault();
      form.requestSubmit();
    });
  }

  document.querySelectorAll(".institution-picker").forEach(function (picker) {
    setUp(picker);
    if (picker.closest("form")) submitOnEnter(picker.closest("form"));
  });
})();
