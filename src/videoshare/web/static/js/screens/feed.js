// The public feed: search, tag filter, "load more".
import { call, sentence } from "../api.js";
import { duration, views } from "../format.js";
import { html, useEffect, useState } from "../html.js";
import { navigate } from "../router.js";
import { ErrorLine, Link } from "../ui.js";

const PAGE = 12;

export function FeedScreen({ search }) {
  const q = search.get("q") || "";
  const tag = search.get("tag") || "";
  // Most viewed first is for the feed itself; a search lists the newest first.
  const sort = !q && !tag && search.get("sort") === "views" ? "views" : "newest";
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [failure, setFailure] = useState("");
  const [loading, setLoading] = useState(true);
  const [qText, setQText] = useState(q);
  const [tagText, setTagText] = useState(tag);

  async function load(after) {
    setLoading(true);
    setFailure("");
    try {
      const page = await call("GET", "/v1/videos", {
        query: { scope: "public", q, tag, sort, limit: PAGE, cursor: after },
      });
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor || null);
    } catch (error) {
      setFailure(sentence(error));
      if (!after) setItems([]);
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    setQText(q);
    setTagText(tag);
    load(null);
  }, [q, tag, sort]);

  function submit(event) {
    event.preventDefault();
    const params = new URLSearchParams();
    if (qText.trim()) params.set("q", qText.trim());
    if (tagText.trim()) params.set("tag", tagText.trim().toLowerCase());
    const text = params.toString();
    navigate(text ? `/?${text}` : "/");
  }

  return html`<section>
    <h1>${q || tag ? "Search results" : sort === "views" ? "Most viewed" : "Latest videos"}</h1>
    <form class="search" role="search" onSubmit=${submit}>
      <label for="q">Search</label>
      <input id="q" type="search" value=${qText} placeholder="Words in the title or description"
        onInput=${(e) => setQText(e.currentTarget.value)} />
      <label for="tag-filter">Tag</label>
      <input id="tag-filter" type="text" value=${tagText} placeholder="e.g. travel"
        onInput=${(e) => setTagText(e.currentTarget.value)} />
      <button type="submit">Search</button>
      ${(q || tag) && html`<${Link} href="/">Clear</${Link}>`}
    </form>
    ${!q && !tag &&
    html`<p class="sort">
      <label for="sort">Order</label>
      <select id="sort" value=${sort}
        onChange=${(e) => navigate(e.currentTarget.value === "views" ? "/?sort=views" : "/")}>
        <option value="newest">Newest first</option>
        <option value="views">Most viewed</option>
      </select>
    </p>`}
    <${ErrorLine} message=${failure} />
    ${!loading && !items.length && !failure &&
    html`<p>${q || tag ? "Nothing matches; try other words." : "No public videos yet."}</p>`}
    <ul class="cards">
      ${items.map(
        (video) => html`<li key=${video.id} class="card">
          <${Link} href=${`/videos/${video.id}`}>
            <div class="thumb">
              ${video.poster_url && html`<img src=${video.poster_url} alt="" loading="lazy" />`}
              ${video.duration_s && html`<span class="length">${duration(video.duration_s)}</span>`}
            </div>
            <span class="title">${video.title}</span>
          </${Link}>
          ${video.owner_display_name &&
          html`<p class="byline">by ${video.owner_display_name}</p>`}
          <p class="views">${views(video.views)}</p>
          ${video.tags.length > 0 &&
          html`<p class="tags">
            ${video.tags.map(
              (t) => html`<${Link} key=${t} class="tag" href=${`/?tag=${encodeURIComponent(t)}`}>#${t}</${Link}> `,
            )}
          </p>`}
        </li>`,
      )}
    </ul>
    ${cursor && html`<button type="button" disabled=${loading} onClick=${() => load(cursor)}>
      ${loading ? "Loading…" : "Load more"}</button>`}
  </section>`;
}
