/*
 * Ranking for the site's search page, loaded through html_search_scorer.
 *
 * Sphinx's default full-text search keeps a page only when it contains every
 * query word, and scores it by its single best word, so common words tie
 * nearly every page and ties fall back to the alphabet. This ranking instead:
 *  - sums over the query words, each weighted by how rare it is on the site
 *    (a word on every page counts for little, a word on two pages for much);
 *  - weights where a word is found: the page title, then a heading, then the
 *    body, with a bonus for a heading that holds several query words;
 *  - keeps pages that match only some of the words, so one word that no page
 *    uses never empties the results;
 *  - matches parts of longer words and a short list of synonyms (users' words
 *    for the site's words), at a discount;
 *  - ranks a page first when the words of one of its index entries (the
 *    {index} directive and front-matter keywords: error messages, old command
 *    names) are in the query, all of them or most of a long entry;
 *  - keeps HTTP status codes (429, 503) as search words.
 * Sphinx loads this after searchtools.js, so Search and Scorer already exist.
 */
"use strict";

(() => {
  const WEIGHT = { title: 6, heading: 3, body: 1, indexEntry: 10 };
  const HEADING_PHRASE = 1;          // extra weight of words that share one heading
  const PARTIAL = 0.35;              // the word is part of a longer indexed word
  const SYNONYM = 0.7;               // found only through a synonym
  const ENTRY_SHARE = 0.6;           // least share of an index entry's words a query must hold
  const LENGTH_NORMALISATION = 0.5;  // how much long pages are discounted (0 to 1)
  // Words users type, and the words the pages use for the same thing.
  const SYNONYMS = {
    multiple: ["several"], many: ["several"], oom: ["memory"], killed: ["memory", "crash"],
    trajectory: ["rollout"], trajectories: ["rollouts"], restart: ["resume"], restarting: ["resume"],
    rescoring: ["reverify"], rescore: ["reverify"], recompute: ["reverify"],
    parallelized: ["concurrency", "batch"], parallel: ["concurrency"], concurrent: ["concurrency"],
    env: ["environment"], envs: ["environments"], grader: ["verifier"], rm: ["reward"],
    reasoning: ["thinking"], thinking: ["reasoning"], hang: ["stall"], hangs: ["stalls"],
    throttled: ["rate"], limit: ["rate"], "429": ["rate"], "503": ["unavailable"],
    dataset: ["data"], retokenization: ["token"], tokenization: ["token"],
  };
  const HTTP_STATUS = /^[1-5]\d\d$/;
  // The results page downloads every listed page to show a snippet: list the
  // strongest matches only.
  const MAX_RESULTS = 15;
  const MIN_SHARE_OF_BEST = 0.15;

  const stemmer = new Stemmer();
  const stem = (word) => stemmer.stemWord(word.toLowerCase());
  const asList = (files) => (files === undefined ? [] : Array.isArray(files) ? files : [files]);

  // Per-index facts, computed once: the stemmed words of each page title and
  // heading, how many distinct words each page has, and the average.
  let facts = null;
  const factsFor = (index) => {
    if (facts && facts.index === index) return facts;
    const titleWords = new Map();   // file -> Set of stemmed words in its title
    const headings = new Map();     // file -> [Set of stemmed words] per heading
    index.titles.forEach((title, file) => titleWords.set(file, new Set(splitQuery(title).map(stem))));
    for (const [heading, places] of Object.entries(index.alltitles)) {
      const words = new Set(splitQuery(heading).map(stem));
      for (const [file] of places) {
        if (!headings.has(file)) headings.set(file, []);
        headings.get(file).push(words);
      }
    }
    const length = new Array(index.docnames.length).fill(0);
    for (const mapping of [index.terms, index.titleterms]) {
      for (const files of Object.values(mapping)) asList(files).forEach((file) => (length[file] += 1));
    }
    const average = length.reduce((a, b) => a + b, 0) / Math.max(length.length, 1);
    const entries = Object.entries(index.indexentries).map(([entry, places]) => ({
      words: new Set(splitQuery(entry).filter((word) => !stopwords.has(word.toLowerCase())).map(stem)),
      files: new Set(places.map(([file]) => file)),
    }));
    facts = { index, titleWords, headings, length, average, entries };
    return facts;
  };

  // Files whose text holds the stemmed word exactly, or a longer word containing it.
  const filesWith = (index, word) => {
    const exact = new Set([...asList(index.terms[word]), ...asList(index.titleterms[word])]);
    const partial = new Set();
    if (exact.size === 0 && word.length > 3) {
      for (const mapping of [index.terms, index.titleterms]) {
        for (const [term, files] of Object.entries(mapping)) {
          if (term.includes(word)) asList(files).forEach((file) => partial.add(file));
        }
      }
    }
    return { exact, partial };
  };

  // The query words to look up: each stemmed, with the synonyms of the raw word.
  const lookups = (rawWords) => {
    const result = [];
    for (const raw of rawWords) {
      const lower = raw.toLowerCase();
      const alternatives = [{ word: stem(lower), factor: 1 }];
      for (const synonym of SYNONYMS[lower] || []) {
        alternatives.push({ word: stem(synonym), factor: SYNONYM });
      }
      result.push({ raw: lower, alternatives });
    }
    return result;
  };

  const rank = (rawWords, excludedTerms) => {
    const index = Search._index;
    const { titleWords, headings, length, average, entries } = factsFor(index);
    const pageCount = index.docnames.length;
    const scores = new Map();
    const matched = new Map();  // file -> Map of matched stemmed word -> its rarity
    const add = (file, value) => scores.set(file, (scores.get(file) || 0) + value);

    for (const { alternatives } of lookups(rawWords)) {
      // Best weight each file earns for this query word, over its alternatives.
      const best = new Map();
      for (const { word, factor } of alternatives) {
        const { exact, partial } = filesWith(index, word);
        const found = exact.size ? exact : partial;
        if (!found.size) continue;
        const rarity = Math.log(1 + (pageCount - found.size + 0.5) / (found.size + 0.5));
        const discount = factor * (exact.size ? 1 : PARTIAL);
        for (const file of found) {
          let where = WEIGHT.body / (1 + LENGTH_NORMALISATION * (length[file] / average - 1));
          if (titleWords.get(file)?.has(word)) where = WEIGHT.title;
          else if ((headings.get(file) || []).some((words) => words.has(word))) where = WEIGHT.heading;
          const value = rarity * discount * where;
          if (value > (best.get(file)?.value || 0)) best.set(file, { value, word, weight: rarity * discount });
        }
      }
      for (const [file, { value, word, weight }] of best) {
        add(file, value);
        if (!matched.has(file)) matched.set(file, new Map());
        matched.get(file).set(word, weight);
      }
    }

    // A heading that holds several of the query words is a strong sign: add
    // the weight of the words that share the best such heading once more.
    for (const [file, words] of matched) {
      let bonus = 0;
      for (const heading of [titleWords.get(file) || new Set(), ...(headings.get(file) || [])]) {
        const shared = [...words].filter(([word]) => heading.has(word));
        if (shared.length > 1) bonus = Math.max(bonus, shared.reduce((sum, [, weight]) => sum + weight, 0));
      }
      add(file, HEADING_PHRASE * WEIGHT.heading * bonus);
    }

    // Index entries: the query holds every word of the entry (an error message
    // pasted whole, an old command name), or most words of a longer one (a
    // fragment of the message), which counts in proportion.
    const queryWords = new Set(rawWords.map(stem));
    for (const { words, files } of entries) {
      const shared = [...words].filter((word) => queryWords.has(word));
      const share = words.size ? shared.length / words.size : 0;
      if (share < 1 && (shared.length < 2 || share < ENTRY_SHARE)) continue;
      const weight = shared.reduce((sum, word) => {
        const { exact } = filesWith(index, word);
        return sum + Math.log(1 + (pageCount - exact.size + 0.5) / (exact.size + 0.5));
      }, 0);
      // An entry that covers a small part of the query (a glossary term inside a
      // pasted message) counts for less than one that covers all of it.
      const coverage = shared.length / Math.max(queryWords.size, 1);
      files.forEach((file) => add(file, WEIGHT.indexEntry * weight * share * coverage));
    }

    const excluded = [...excludedTerms].flatMap((word) => [...filesWith(index, word).exact]);
    const kept = [...scores].filter(([file]) => !excluded.includes(file)).sort((a, b) => b[1] - a[1]);
    const floor = (kept[0]?.[1] || 0) * MIN_SHARE_OF_BEST;
    return kept
      .filter(([, score]) => score >= floor)
      .slice(0, MAX_RESULTS)
      .map(([file, score]) => [
        index.docnames[file], index.titles[file], "", null, score, index.filenames[file], SearchResultKind.text,
      ]);
  };

  // Keep the query's raw words (stopwords aside) for the ranking, HTTP status
  // codes included, which Sphinx's own parser drops with every number.
  const parseQuery = Search._parseQuery;
  Search._parseQuery = (query) => {
    const parsed = parseQuery(query);
    const raw = splitQuery(query.trim()).filter((word) => {
      const lower = word.toLowerCase();
      return (!stopwords.has(lower) && !/^\d+$/.test(word)) || HTTP_STATUS.test(word);
    });
    parsed[1] = new Set([...parsed[1], ...raw.filter((word) => HTTP_STATUS.test(word))]);
    Search._rawWords = raw.filter((word) => word[0] !== "-");
    return parsed;
  };
  Search.performTermsSearch = (searchTerms, excludedTerms) =>
    rank(Search._rawWords || [...searchTerms], excludedTerms);

  // Whole-title and index-entry matches keep Sphinx's scores (up to 16 and 100):
  // scale title matches to this ranking's range.
  Scorer.score = (result) => {
    const [, , , , score, , kind] = result;
    return kind === SearchResultKind.title ? score * 2 : score;
  };
})();
