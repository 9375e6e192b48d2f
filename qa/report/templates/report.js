(function () {
  "use strict";

  // Every piece of data shown comes pre-rendered and escaped in the page; this script only
  // toggles classes and sets textContent, so article text can never become markup here.
  document.documentElement.classList.add("js");

  var heads = Array.prototype.slice.call(document.querySelectorAll("mark.flag[data-first]"));
  var status = document.getElementById("status");
  var filters = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
  var selected = null;

  function piecesOf(head) {
    return document.querySelectorAll('mark.flag[data-flag="' + head.dataset.flag + '"]');
  }

  function detailsOf(head) {
    return document.getElementById("flag-" + head.dataset.flag + "-details");
  }

  function isShown(head) {
    return !head.classList.contains("is-filtered");
  }

  function shownHeads() {
    return heads.filter(isShown);
  }

  function setStatus() {
    if (!status) {
      return; // the server's page before its first check has no report
    }
    var shown = shownHeads();
    var text = shown.length + " of " + heads.length + " flags shown";
    if (selected) {
      text = "Flag " + (shown.indexOf(selected) + 1) + " of " + shown.length + " shown";
    }
    status.textContent = text;
  }

  function clearSelection() {
    if (!selected) {
      return;
    }
    piecesOf(selected).forEach(function (piece) {
      piece.classList.remove("is-selected");
    });
    selected.setAttribute("aria-pressed", "false");
    var details = detailsOf(selected);
    details.classList.remove("is-open");
    details.parentElement.classList.remove("has-selection");
    selected = null;
    setStatus();
  }

  function select(head) {
    if (!head || !isShown(head)) {
      return;
    }
    clearSelection();
    selected = head;
    piecesOf(head).forEach(function (piece) {
      piece.classList.add("is-selected");
    });
    head.setAttribute("aria-pressed", "true");
    var details = detailsOf(head);
    details.classList.add("is-open");
    details.parentElement.classList.add("has-selection");
    head.focus({ preventScroll: true });
    // On a narrow screen the details cover the lower half, so bring the passage to the top.
    var narrow = window.matchMedia("(max-width: 700px)").matches;
    head.scrollIntoView({ block: narrow ? "start" : "center", inline: "nearest" });
    setStatus();
  }

  function move(step) {
    var shown = shownHeads();
    if (!shown.length) {
      return;
    }
    var position = selected ? shown.indexOf(selected) : -1;
    var next;
    if (position === -1) {
      next = step > 0 ? 0 : shown.length - 1;
    } else {
      next = Math.min(Math.max(position + step, 0), shown.length - 1);
    }
    select(shown[next]);
  }

  function checkedValues(kind) {
    return filters
      .filter(function (input) {
        return input.dataset.filter === kind && input.checked;
      })
      .map(function (input) {
        return input.value;
      });
  }

  function applyFilters() {
    var severities = checkedValues("severity");
    var reasons = checkedValues("reason");
    heads.forEach(function (head) {
      var shown =
        severities.indexOf(head.dataset.severity) !== -1 &&
        head.dataset.reasons.split(" ").some(function (name) {
          return reasons.indexOf(name) !== -1;
        });
      piecesOf(head).forEach(function (piece) {
        piece.classList.toggle("is-filtered", !shown);
      });
      head.tabIndex = shown ? 0 : -1;
      detailsOf(head).classList.toggle("is-filtered", !shown);
      if (!shown && head === selected) {
        clearSelection();
      }
    });
    setStatus();
  }

  function headOf(piece) {
    return document.getElementById("flag-" + piece.dataset.flag);
  }

  function typingIn(target) {
    var tag = target.tagName;
    return (
      target.isContentEditable ||
      tag === "TEXTAREA" ||
      tag === "SELECT" ||
      (tag === "INPUT" && target.type !== "checkbox" && target.type !== "radio")
    );
  }

  // The clipboard API needs a secure context (file:// and loopback are); elsewhere, or when
  // permission is refused, the text is copied through a selected, off-screen textarea.
  function copyByCommand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "copy-buffer";
    area.style.position = "fixed";
    area.style.top = "-1000px";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied;
  }

  function copied(button, done) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = done ? "Copied" : "Copy failed";
    window.setTimeout(function () {
      button.textContent = label;
    }, 1500);
  }

  function copyLocation(button) {
    var text = button.dataset.copy;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          copied(button, true);
        },
        function () {
          copied(button, copyByCommand(text));
        }
      );
    } else {
      copied(button, copyByCommand(text));
    }
  }

  document.addEventListener("click", function (event) {
    var copyButton = event.target.closest("[data-copy]");
    if (copyButton) {
      copyLocation(copyButton);
      return;
    }
    if (event.target.closest("[data-close]")) {
      clearSelection();
      return;
    }
    var piece = event.target.closest("mark.flag");
    if (piece) {
      select(headOf(piece));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typingIn(event.target)) {
      return;
    }
    var piece = event.target.closest("mark.flag");
    if (piece && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(headOf(piece));
      return;
    }
    switch (event.key) {
      case "j":
      case "n":
        move(1);
        break;
      case "k":
      case "p":
        move(-1);
        break;
      case "Escape":
        clearSelection();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  function measureControls() {
    var controls = document.querySelector(".controls");
    var height = controls && getComputedStyle(controls).position === "sticky" ? controls.offsetHeight : 0;
    document.documentElement.style.setProperty("--controls-height", height + "px");
  }

  window.addEventListener("resize", measureControls);
  measureControls();

  filters.forEach(function (input) {
    input.addEventListener("change", applyFilters);
  });

  applyFilters();
})();
