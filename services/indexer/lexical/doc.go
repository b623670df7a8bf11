// Package lexical is the indexer's word analysis for BM25: Analyzer cuts a
// text into words (maximal runs of Unicode letters, digits and combining
// marks), lower-cases them and stems them with the Snowball stemmer of one
// language (github.com/blevesearch/snowballstem, generated from the
// Snowball project's own definitions); IDF and TF are BM25's two factors
// (k1 1.2, b 0.75). There is no stop-word list: a word found in nearly
// every chunk ("the", "what", "de") gets an IDF near zero.
//
// A bot chooses its language with the config.csv key kb-language
// (English by default): a Snowball language name ("portuguese") or its
// two-letter code ("pt", "pt-BR"). Terms of different languages must not
// be compared: a bot's chunks and its queries are analysed alike.
package lexical
