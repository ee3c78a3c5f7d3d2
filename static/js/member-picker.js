// The notice form's member picker: find by name or pinyin, tick a whole group, count the chosen.
// Without this script the picker is plain checkboxes and still works.
function pickerUpdate(picker) {
  const chosen = picker.querySelectorAll(".picker-members input:checked").length;
  const count = picker.querySelector("[data-member-count]");
  if (count) count.textContent = count.dataset.template.replace("{n}", chosen);
  picker.querySelectorAll("[data-picker-group]").forEach((group) => {
    const boxes = [...group.querySelectorAll(".picker-members input")];
    const all = group.querySelector("[data-select-group]");
    const ticked = boxes.filter((box) => box.checked).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  });
}

function pickerSetUp() {
  const picker = document.getElementById("member-picker");
  if (!picker || picker.dataset.ready) return;
  picker.dataset.ready = "1";
  const count = picker.querySelector("[data-member-count]");
  if (count) count.dataset.template = count.dataset.countTemplate || count.textContent.replace(/\d+/, "{n}");
  picker.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-group]")) {
      const group = event.target.closest("[data-picker-group]");
      group.querySelectorAll(".picker-members label:not([hidden]) input").forEach((box) => {
        box.checked = event.target.checked;
      });
    }
    pickerUpdate(picker);
  });
  picker.querySelector("[data-member-search]").addEventListener("input", (event) => {
    const wanted = event.target.value.trim().toLowerCase();
    picker.querySelectorAll("[data-picker-group]").forEach((group) => {
      let shown = 0;
      group.querySelectorAll(".picker-members label").forEach((label) => {
        const match = !wanted || label.dataset.name.includes(wanted) || label.dataset.pinyin.includes(wanted);
        label.hidden = !match;
        if (match) shown += 1;
      });
      group.hidden = shown === 0;
    });
  });
  pickerUpdate(picker);
}

document.addEventListener("DOMContentLoaded", pickerSetUp);
document.addEventListener("htmx:afterSettle", pickerSetUp);
