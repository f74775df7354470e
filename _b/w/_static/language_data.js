/*
 * This script contains the language-specific data used by searchtools.js,
 * namely the set of stopwords, stemmer, scorer and splitter.
 */

const stopwords = new Set(["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from", "further", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "let's", "me", "more", "most", "mustn't", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll", "they're", "they've", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't", "what", "what's", "when", "when's", "where", "where's", "which", "while", "who", "who's", "whom", "why", "why's", "with", "won't", "would", "wouldn't", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves"]);
window.stopwords = stopwords;  // Export to global scope


/* Non-minified versions are copied as separate JavaScript files, if available */
BaseStemmer=function(){this.current="",this.cursor=0,this.limit=0,this.limit_backward=0,this.bra=0,this.ket=0,this.setCurrent=function(t){this.current=t,this.cursor=0,this.limit=this.current.length,this.limit_backward=0,this.bra=this.cursor,this.ket=this.limit},this.getCurrent=function(){return this.current},this.copy_from=function(t){this.current=t.current,this.cursor=t.cursor,this.limit=t.limit,this.limit_backward=t.limit_backward,this.bra=t.bra,this.ket=t.ket},this.in_grouping=function(t,r,i){return!(this.cursor>=this.limit||i<(i=this.current.charCodeAt(this.cursor))||i<r||0==(t[(i-=r)>>>3]&1<<(7&i))||(this.cursor++,0))},this.go_in_grouping=function(t,r,i){for(;this.cursor<this.limit;){var s=this.current.charCodeAt(this.cursor);if(i<s||s<r)return!0;if(0==(t[(s-=r)>>>3]&1<<(7&s)))return!0;this.cursor++}return!1},this.in_grouping_b=function(t,r,i){return!(this.cursor<=this.limit_backward||i<(i=this.current.charCodeAt(this.cursor-1))||i<r||0==(t[(i-=r)>>>3]&1<<(7&i))||(this.cursor--,0))},this.go_in_grouping_b=function(t,r,i){for(;this.cursor>this.limit_backward;){var s=this.current.charCodeAt(this.cursor-1);if(i<s||s<r)return!0;if(0==(t[(s-=r)>>>3]&1<<(7&s)))return!0;this.cursor--}return!1},this.out_grouping=function(t,r,i){return!(this.cursor>=this.limit)&&(i<(i=this.current.charCodeAt(this.cursor))||i<r||0==(t[(i-=r)>>>3]&1<<(7&i)))&&(this.cursor++,!0)},this.go_out_grouping=function(t,r,i){for(;this.cursor<this.limit;){var s=this.current.charCodeAt(this.cursor);if(s<=i&&r<=s&&0!=(t[(s-=r)>>>3]&1<<(7&s)))return!0;this.cursor++}return!1},this.out_grouping_b=function(t,r,i){return!(this.cursor<=this.limit_backward)&&(i<(i=this.current.charCodeAt(this.cursor-1))||i<r||0==(t[(i-=r)>>>3]&1<<(7&i)))&&(this.cursor--,!0)},this.go_out_grouping_b=function(t,r,i){for(;this.cursor>this.limit_backward;){var s=this.current.charCodeAt(this.cursor-1);if(s<=i&&r<=s&&0!=(t[(s-=r)>>>3]&1<<(7&s)))return!0;this.cursor--}return!1},this.eq_s=function(t){return!(this.limit-this.cursor<t.length||this.current.slice(this.cursor,this.cursor+t.length)!=t||(this.cursor+=t.length,0))},this.eq_s_b=function(t){return!(this.cursor-this.limit_backward<t.length||this.current.slice(this.cursor-t.length,this.cursor)!=t||(this.cursor-=t.length,0))},this.find_among=function(t){for(var r=0,i=t.length,s=this.cursor,h=this.limit,e=0,n=0,c=!1;;){for(var u=r+(i-r>>>1),o=0,a=e<n?e:n,l=t[u],f=a;f<l[0].length;f++){if(s+a==h){o=-1;break}if(0!=(o=this.current.charCodeAt(s+a)-l[0].charCodeAt(f)))break;a++}if(o<0?(i=u,n=a):(r=u,e=a),i-r<=1){if(0<r)break;if(i==r)break;if(c)break;c=!0}}do{if(e>=(l=t[r])[0].length){if(this.cursor=s+l[0].length,l.length<4)return l[2];var g=l[3](this);if(this.cursor=s+l[0].length,g)return l[2]}}while(0<=(r=l[1]));return 0},this.find_among_b=function(t){for(var r=0,i=t.length,s=this.cursor,h=this.limit_backward,e=0,n=0,c=!1;;){for(var u,o=r+(i-r>>1),a=0,l=e<n?e:n,f=(u=t[o])[0].length-1-l;0<=f;f--){if(s-l==h){a=-1;break}if(0!=(a=this.current.charCodeAt(s-1-l)-u[0].charCodeAt(f)))break;l++}if(a<0?(i=o,n=l):(r=o,e=l),i-r<=1){if(0<r)break;if(i==r)break;if(c)break;c=!0}}do{if(e>=(u=t[r])[0].length){if(this.cursor=s-u[0].length,u.length<4)return u[2];var g=u[3](this);if(this.cursor=s-u[0].length,g)return u[2]}}while(0<=(r=u[1]));return 0},this.replace_s=function(t,r,i){var s=i.length-(r-t);return this.current=this.current.slice(0,t)+i+this.current.slice(r),this.limit+=s,this.cursor>=r?this.cursor+=s:this.cursor>t&&(this.cursor=t),s},this.slice_check=function(){return!(this.bra<0||this.bra>this.ket||this.ket>this.limit||this.limit>this.current.length)},this.slice_from=function(t){var r=!1;return this.slice_check()&&(this.replace_s(this.bra,this.ket,t),r=!0),r},this.slice_del=function(){return this.slice_from("")},this.insert=function(t,r,i){r=this.replace_s(t,r,i);t<=this.bra&&(this.bra+=r),t<=this.ket&&(this.ket+=r)},this.slice_to=function(){var t="";return t=this.slice_check()?this.current.slice(this.bra,this.ket):t},this.assign_to=function(){return this.current.slice(0,this.limit)}};
var EnglishStemmer=function(){var a=new BaseStemmer,c=[["arsen",-1,-1],["commun",-1,-1],["emerg",-1,-1],["gener",-1,-1],["later",-1,-1],["organ",-1,-1],["past",-1,-1],["univers",-1,-1]],o=[["'",-1,1],["'s'",0,1],["'s",-1,1]],u=[["ied",-1,2],["s",-1,3],["ies",1,2],["sses",1,1],["ss",1,-1],["us",1,-1]],t=[["succ",-1,1],["proc",-1,1],["exc",-1,1]],l=[["even",-1,2],["cann",-1,2],["inn",-1,2],["earr",-1,2],["herr",-1,2],["out",-1,2],["y",-1,1]],n=[["",-1,-1],["ed",0,2],["eed",1,1],["ing",0,3],["edly",0,2],["eedly",4,1],["ingly",0,2]],f=[["",-1,3],["bb",0,2],["dd",0,2],["ff",0,2],["gg",0,2],["bl",0,1],["mm",0,2],["nn",0,2],["pp",0,2],["rr",0,2],["at",0,1],["tt",0,2],["iz",0,1]],_=[["anci",-1,3],["enci",-1,2],["ogi",-1,14],["li",-1,16],["bli",3,12],["abli",4,4],["alli",3,8],["fulli",3,9],["lessli",3,15],["ousli",3,10],["entli",3,5],["aliti",-1,8],["biliti",-1,12],["iviti",-1,11],["tional",-1,1],["ational",14,7],["alism",-1,8],["ation",-1,7],["ization",17,6],["izer",-1,6],["ator",-1,7],["iveness",-1,11],["fulness",-1,9],["ousness",-1,10],["ogist",-1,13]],m=[["icate",-1,4],["ative",-1,6],["alize",-1,3],["iciti",-1,4],["ical",-1,4],["tional",-1,1],["ational",5,2],["ful",-1,5],["ness",-1,5]],b=[["ic",-1,1],["ance",-1,1],["ence",-1,1],["able",-1,1],["ible",-1,1],["ate",-1,1],["ive",-1,1],["ize",-1,1],["iti",-1,1],["al",-1,1],["ism",-1,1],["ion",-1,2],["er",-1,1],["ous",-1,1],["ant",-1,1],["ent",-1,1],["ment",15,1],["ement",16,1]],k=[["e",-1,1],["l",-1,2]],g=[["andes",-1,-1],["atlas",-1,-1],["bias",-1,-1],["cosmos",-1,-1],["early",-1,5],["gently",-1,3],["howe",-1,-1],["idly",-1,2],["news",-1,-1],["only",-1,6],["singly",-1,7],["skies",-1,1],["sky",-1,-1],["ugly",-1,4]],d=[17,64],v=[17,65,16,1],i=[1,17,65,208,1],w=[55,141,2],p=!1,y=0,h=0;function q(){var r=a.limit-a.cursor;return!!(a.out_grouping_b(i,89,121)&&a.in_grouping_b(v,97,121)&&a.out_grouping_b(v,97,121)||(a.cursor=a.limit-r,a.out_grouping_b(v,97,121)&&a.in_grouping_b(v,97,121)&&!(a.cursor>a.limit_backward))||(a.cursor=a.limit-r,a.eq_s_b("past")))}function z(){return h<=a.cursor}function Y(){return y<=a.cursor}this.stem=function(){var r=a.cursor;if(!(()=>{var r;if(a.bra=a.cursor,0!=(r=a.find_among(g))&&(a.ket=a.cursor,!(a.cursor<a.limit))){switch(r){case 1:if(a.slice_from("sky"))break;return;case 2:if(a.slice_from("idl"))break;return;case 3:if(a.slice_from("gentl"))break;return;case 4:if(a.slice_from("ugli"))break;return;case 5:if(a.slice_from("earli"))break;return;case 6:if(a.slice_from("onli"))break;return;case 7:if(a.slice_from("singl"))break;return}return 1}})()){a.cursor=r;var i=a.cursor,e=a.cursor+3;if(e>a.limit)a.cursor=i;else{a.cursor=e,a.cursor=r,(()=>{p=!1;var r=a.cursor;if(a.bra=a.cursor,!a.eq_s("'")||(a.ket=a.cursor,a.slice_del())){a.cursor=r;r=a.cursor;if(a.bra=a.cursor,a.eq_s("y")){if(a.ket=a.cursor,!a.slice_from("Y"))return;p=!0}a.cursor=r;for(r=a.cursor;;){var i=a.cursor;r:{for(;;){var e=a.cursor;if(a.in_grouping(v,97,121)&&(a.bra=a.cursor,a.eq_s("y"))){a.ket=a.cursor,a.cursor=e;break}if(a.cursor=e,a.cursor>=a.limit)break r;a.cursor++}if(!a.slice_from("Y"))return;p=!0;continue}a.cursor=i;break}a.cursor=r}})(),h=a.limit,y=a.limit;i=a.cursor;r:{var s=a.cursor;if(0==a.find_among(c)){if(a.cursor=s,!a.go_out_grouping(v,97,121))break r;if(a.cursor++,!a.go_in_grouping(v,97,121))break r;a.cursor++}h=a.cursor,a.go_out_grouping(v,97,121)&&(a.cursor++,a.go_in_grouping(v,97,121))&&(a.cursor++,y=a.cursor)}a.cursor=i,a.limit_backward=a.cursor,a.cursor=a.limit;var e=a.limit-a.cursor,r=((()=>{var r=a.limit-a.cursor;if(a.ket=a.cursor,0==a.find_among_b(o))a.cursor=a.limit-r;else if(a.bra=a.cursor,!a.slice_del())return;if(a.ket=a.cursor,0!=(r=a.find_among_b(u)))switch(a.bra=a.cursor,r){case 1:if(a.slice_from("ss"))break;return;case 2:r:{var i=a.limit-a.cursor,e=a.cursor-2;if(!(e<a.limit_backward)){if(a.cursor=e,a.slice_from("i"))break r;return}if(a.cursor=a.limit-i,!a.slice_from("ie"))return}break;case 3:if(a.cursor<=a.limit_backward)return;if(a.cursor--,!a.go_out_grouping_b(v,97,121))return;if(a.cursor--,a.slice_del())break}})(),a.cursor=a.limit-e,a.limit-a.cursor),i=((()=>{a.ket=a.cursor,o=a.find_among_b(n),a.bra=a.cursor;r:{var r=a.limit-a.cursor;i:{switch(o){case 1:var i=a.limit-a.cursor;e:{var e=a.limit-a.cursor;if(0==a.find_among_b(t)||a.cursor>a.limit_backward){if(a.cursor=a.limit-e,!z())break e;if(!a.slice_from("ee"))return}}a.cursor=a.limit-i;break;case 2:break i;case 3:if(0==(o=a.find_among_b(l)))break i;switch(o){case 1:var s=a.limit-a.cursor;if(!a.out_grouping_b(v,97,121))break i;if(a.cursor>a.limit_backward)break i;if(a.cursor=a.limit-s,a.bra=a.cursor,a.slice_from("ie"))break;return;case 2:if(a.cursor>a.limit_backward)break i}}break r}a.cursor=a.limit-r;var c=a.limit-a.cursor;if(!a.go_out_grouping_b(v,97,121))return;if(a.cursor--,a.cursor=a.limit-c,!a.slice_del())return;a.ket=a.cursor,a.bra=a.cursor;var o,c=a.limit-a.cursor;switch(o=a.find_among_b(f)){case 1:return a.slice_from("e");case 2:var u=a.limit-a.cursor;if(a.in_grouping_b(d,97,111)&&!(a.cursor>a.limit_backward))return;a.cursor=a.limit-u;break;case 3:return a.cursor!=h||(u=a.limit-a.cursor,q()&&(a.cursor=a.limit-u,a.slice_from("e")))}if(a.cursor=a.limit-c,a.ket=a.cursor,a.cursor<=a.limit_backward)return;if(a.cursor--,a.bra=a.cursor,!a.slice_del())return}})(),a.cursor=a.limit-r,a.limit-a.cursor),r=(a.ket=a.cursor,e=a.limit-a.cursor,(a.eq_s_b("y")||(a.cursor=a.limit-e,a.eq_s_b("Y")))&&(a.bra=a.cursor,a.out_grouping_b(v,97,121))&&a.cursor>a.limit_backward&&a.slice_from("i"),a.cursor=a.limit-i,a.limit-a.cursor),e=((()=>{var r;if(a.ket=a.cursor,0!=(r=a.find_among_b(_))&&(a.bra=a.cursor,z()))switch(r){case 1:if(a.slice_from("tion"))break;return;case 2:if(a.slice_from("ence"))break;return;case 3:if(a.slice_from("ance"))break;return;case 4:if(a.slice_from("able"))break;return;case 5:if(a.slice_from("ent"))break;return;case 6:if(a.slice_from("ize"))break;return;case 7:if(a.slice_from("ate"))break;return;case 8:if(a.slice_from("al"))break;return;case 9:if(a.slice_from("ful"))break;return;case 10:if(a.slice_from("ous"))break;return;case 11:if(a.slice_from("ive"))break;return;case 12:if(a.slice_from("ble"))break;return;case 13:if(a.slice_from("og"))break;return;case 14:if(!a.eq_s_b("l"))return;if(a.slice_from("og"))break;return;case 15:if(a.slice_from("less"))break;return;case 16:if(!a.in_grouping_b(w,99,116))return;if(a.slice_del())break}})(),a.cursor=a.limit-r,a.limit-a.cursor),i=((()=>{var r;if(a.ket=a.cursor,0!=(r=a.find_among_b(m))&&(a.bra=a.cursor,z()))switch(r){case 1:if(a.slice_from("tion"))break;return;case 2:if(a.slice_from("ate"))break;return;case 3:if(a.slice_from("al"))break;return;case 4:if(a.slice_from("ic"))break;return;case 5:if(a.slice_del())break;return;case 6:if(!Y())return;if(a.slice_del())break}})(),a.cursor=a.limit-e,a.limit-a.cursor),r=((()=>{var r;if(a.ket=a.cursor,0!=(r=a.find_among_b(b))&&(a.bra=a.cursor,Y()))switch(r){case 1:if(a.slice_del())break;return;case 2:var i=a.limit-a.cursor;if(!a.eq_s_b("s")&&(a.cursor=a.limit-i,!a.eq_s_b("t")))return;if(a.slice_del())break}})(),a.cursor=a.limit-i,a.limit-a.cursor),e=((()=>{var r;if(a.ket=a.cursor,0!=(r=a.find_among_b(k)))switch(a.bra=a.cursor,r){case 1:if(!Y()){if(!z())return;var i=a.limit-a.cursor;if(q())return;a.cursor=a.limit-i}if(a.slice_del())break;return;case 2:if(!Y())return;if(!a.eq_s_b("l"))return;if(a.slice_del())break}})(),a.cursor=a.limit-r,a.cursor=a.limit_backward,a.cursor);(()=>{if(p)for(;;){var r=a.cursor;r:{for(;;){var i=a.cursor;if(a.bra=a.cursor,a.eq_s("Y")){a.ket=a.cursor,a.cursor=i;break}if(a.cursor=i,a.cursor>=a.limit)break r;a.cursor++}if(a.slice_from("y"))continue;return}a.cursor=r;break}})(),a.cursor=e}}return!0},this.stemWord=function(r){return a.setCurrent(r),this.stem(),a.getCurrent()}};
window.Stemmer = EnglishStemmer;

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

