// Roskilde Bibliotekerne's calendar on another site.
//
//   <script src="https://kalender.roskildebib.dk/embed.js" data-branch="jyllinge"
//           data-track="hygge" data-audience="boern" data-count="5" data-lang="da" async></script>
//
// or, once the script is on the page, anywhere: <roskilde-calendar branch="jyllinge" count="3">.
// The list takes the host page's fonts and colours (inherited into the shadow root). It asks
// the calendar for public JSON only: no cookies, no referrer, nothing stored, no tracking.
(() => {
  "use strict";
  const script = document.currentScript;
  const origin = script ? new URL(script.src, document.baseURI).origin : "";
  const OPTIONS = ["branch", "stop", "track", "audience", "count", "lang"];
  const STYLE = `
    :host { display: block; font: inherit; color: inherit; }
    ul { list-style: none; margin: 0; padding: 0; }
    li { padding: 0.45em 0; border-bottom: 1px solid color-mix(in srgb, currentColor 25%, transparent); overflow: hidden; }
    img { float: right; width: 4.5em; height: auto; margin-left: 0.5em; }
    a { color: inherit; font-weight: 600; }
    .when, .place { display: block; font-size: 0.92em; }
    .cancelled a { text-decoration: line-through; }
    .flag { font-weight: 700; }
    .more { margin: 0.5em 0 0; }
  `;

  class RoskildeCalendar extends HTMLElement {
    static get observedAttributes() { return OPTIONS; }

    connectedCallback() { this.load(); }

    attributeChangedCallback() { if (this.isConnected) this.load(); }

    async load() {
      const root = this.shadowRoot || this.attachShadow({ mode: "open" });
      const base = this.getAttribute("data-origin") || origin;
      const url = new URL("/indlejr/data.json", base);
      for (const name of OPTIONS) {
        const value = this.getAttribute(name);
        if (value) url.searchParams.set(name, value);
      }
      let data;
      try {
        const response = await fetch(url, {
          credentials: "omit",
          mode: "cors",
          referrerPolicy: "no-referrer",
          cache: "default",
        });
        data = await response.json();
        if (!response.ok) throw new Error(Object.values(data).flat().join(" "));
      } catch (error) {
        root.replaceChildren(this.style_(), this.text_("p", String(error.message || error)));
        return;
      }
      this.render(root, data);
    }

    style_() {
      const style = document.createElement("style");
      style.textContent = STYLE;
      return style;
    }

    text_(tag, text, className) {
      const node = document.createElement(tag);
      node.textContent = text;  // never innerHTML: event text is data
      if (className) node.className = className;
      return node;
    }

    render(root, data) {
      const section = document.createElement("section");
      section.setAttribute("aria-label", data.title);
      section.lang = data.language;
      if (!data.events.length) {
        section.append(this.text_("p", data.empty));
      } else {
        const list = document.createElement("ul");
        for (const item of data.events) {
          const li = document.createElement("li");
          if (item.cancelled) li.className = "cancelled";
          if (item.image) {
            const img = document.createElement("img");
            Object.assign(img, { src: item.image.url, alt: item.image.alt, width: item.image.width, height: item.image.height, loading: "lazy" });
            li.append(img);
          }
          const link = this.text_("a", item.title);
          link.href = item.url;
          const when = document.createElement("span");
          when.className = "when";
          const time = this.text_("time", item.date);
          time.dateTime = item.start;
          when.append(time, " " + item.time);
          li.append(link, when, this.text_("span", item.place, "place"));
          if (item.cancelled) li.append(this.text_("strong", data.cancelled_label, "flag"));
          list.append(li);
        }
        section.append(list);
      }
      const more = document.createElement("p");
      more.className = "more";
      const link = this.text_("a", data.calendar_label);
      link.href = data.calendar_url;
      more.append(link);
      section.append(more);
      root.replaceChildren(this.style_(), section);
    }
  }

  if (!customElements.get("roskilde-calendar")) {
    customElements.define("roskilde-calendar", RoskildeCalendar);
  }
  // <script data-branch=...>: put a calendar right after the script element.
  if (script && !script.hasAttribute("data-no-auto")) {
    const element = document.createElement("roskilde-calendar");
    element.setAttribute("data-origin", origin);
    for (const name of OPTIONS) {
      const value = script.getAttribute("data-" + name);
      if (value) element.setAttribute(name, value);
    }
    script.after(element);
  }
})();
