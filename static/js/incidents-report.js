/* The incident report form: add another medicine, and tick "high-alert" for known high-alert
   medicines as the name is typed (the reporter can still tick it for others; the server
   flags known ones whatever the box says). Without JavaScript one medicine can be reported. */
(function () {
  "use strict";

  var form = document.querySelector(".js-medicine-list");
  if (!form) { return; }
  var wordsElement = document.getElementById("high-alert-words");
  var words = wordsElement ? JSON.parse(wordsElement.textContent) : [];
  var escaped = words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\%]/g, "\\$&"); });
  var pattern = new RegExp("(^|[^a-z])(" + escaped.join("|") + ")", "i");

  function wire(medicine) {
    var name = medicine.querySelector(".js-medicine-name");
    var box = medicine.querySelector(".js-high-alert");
    if (!name || !box) { return; }
    box.addEventListener("change", function () { box.dataset.touched = "yes"; });
    name.addEventListener("input", function () {
      if (box.dataset.touched !== "yes") {
        box.checked = pattern.test(name.value);
      }
    });
  }

  document.querySelectorAll(".medicine").forEach(wire);

  var add = document.querySelector(".js-add-medicine");
  var template = document.getElementById("medicine-template");
  var total = document.getElementById("id_medicines-TOTAL_FORMS");
  var max = document.getElementById("id_medicines-MAX_NUM_FORMS");
  if (!add || !template || !total) { return; }
  add.hidden = false;
  add.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    if (max && index >= parseInt(max.value, 10)) { return; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var medicine = holder.firstElementChild;
    form.appendChild(medicine);
    total.value = String(index + 1);
    wire(medicine);
    var first = medicine.querySelector("input");
    if (first) { first.focus(); }
    if (max && index + 1 >= parseInt(max.value, 10)) { add.hidden = true; }
  });
})();
