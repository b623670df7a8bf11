package vector

import (
	"container/heap"
	"strings"
	"sync"

	"github.com/drivemon/drivemon/services/indexer/lexical"
)

// lexIndex is an embedded collection's inverted index for BM25. Documents
// (points) get numbers in order of arrival; a deleted or replaced point's
// number is marked dead and its postings stay until the dead outnumber
// the live, when every list is rebuilt. Document frequencies, the live
// count and the total length are updated exactly on every put and remove,
// so they always equal those of a rebuild from the live points.
type lexIndex struct {
	termID   map[string]uint32
	terms    []string    // by term id
	df       []int32     // live documents holding the term, by term id
	postings [][]posting // by term id; may name dead documents
	docs     []lexDoc    // by document number
	lens     []int32     // length by document number; -1 when dead
	docOf    map[string]uint32
	live     int
	totalLen int64
	dead     int
}

// posting is a document number and a term count; in lexDoc.terms, doc
// holds the term id instead.
type posting struct {
	doc uint32
	tf  uint32
}

type lexDoc struct {
	id    string    // point id; "" when dead
	terms []posting // term ids (in doc) and counts
	len   int32
}

func newLexIndex() *lexIndex {
	return &lexIndex{termID: map[string]uint32{}, docOf: map[string]uint32{}}
}

// put indexes the terms of point id, replacing what it had.
func (l *lexIndex) put(id string, terms map[string]int) {
	l.remove(id)
	n := uint32(len(l.docs))
	d := lexDoc{id: id, terms: make([]posting, 0, len(terms))}
	for t, tf := range terms {
		if tf <= 0 {
			continue
		}
		tid, ok := l.termID[t]
		if !ok {
			t = strings.Clone(t) // a term may share its chunk text's memory
			tid = uint32(len(l.terms))
			l.termID[t] = tid
			l.terms = append(l.terms, t)
			l.df = append(l.df, 0)
			l.postings = append(l.postings, nil)
		}
		l.df[tid]++
		l.postings[tid] = append(l.postings[tid], posting{doc: n, tf: uint32(tf)})
		d.terms = append(d.terms, posting{doc: tid, tf: uint32(tf)})
		d.len += int32(tf)
	}
	l.docs = append(l.docs, d)
	l.lens = append(l.lens, d.len)
	l.docOf[id] = n
	l.live++
	l.totalLen += int64(d.len)
}

// remove drops point id; an unknown id is ignored.
func (l *lexIndex) remove(id string) {
	n, ok := l.docOf[id]
	if !ok {
		return
	}
	d := &l.docs[n]
	for _, t := range d.terms {
		l.df[t.doc]--
	}
	l.live--
	l.totalLen -= int64(d.len)
	delete(l.docOf, id)
	*d = lexDoc{}
	l.lens[n] = -1
	l.dead++
	if l.dead >= 1024 && l.dead > l.live {
		l.compact()
	}
}

// compact renumbers the live documents and rebuilds every posting list
// without the dead ones, dropping terms no live document holds.
func (l *lexIndex) compact() {
	renum := make([]uint32, len(l.docs))
	docs := make([]lexDoc, 0, l.live)
	lens := make([]int32, 0, l.live)
	for i, d := range l.docs {
		if d.id != "" {
			renum[i] = uint32(len(docs))
			l.docOf[d.id] = renum[i]
			docs = append(docs, d)
			lens = append(lens, d.len)
		}
	}
	termID := make(map[string]uint32, len(l.terms))
	var terms []string
	var df []int32
	var postings [][]posting
	newID := make([]uint32, len(l.terms))
	for tid, t := range l.terms {
		if l.df[tid] == 0 {
			continue
		}
		newID[tid] = uint32(len(terms))
		termID[t] = newID[tid]
		terms = append(terms, t)
		df = append(df, l.df[tid])
		ps := make([]posting, 0, l.df[tid])
		for _, p := range l.postings[tid] {
			if l.docs[p.doc].id != "" {
				ps = append(ps, posting{doc: renum[p.doc], tf: p.tf})
			}
		}
		postings = append(postings, ps)
	}
	for i := range docs {
		for j, t := range docs[i].terms {
			docs[i].terms[j].doc = newID[t.doc]
		}
	}
	l.docs, l.lens, l.termID, l.terms, l.df, l.postings, l.dead = docs, lens, termID, terms, df, postings, 0
}

// termsOf returns the terms of point id as put.
func (l *lexIndex) termsOf(id string) map[string]int {
	n, ok := l.docOf[id]
	if !ok {
		return nil
	}
	out := make(map[string]int, len(l.docs[n].terms))
	for _, t := range l.docs[n].terms {
		out[l.terms[t.doc]] = int(t.tf)
	}
	return out
}

// LexicalStats are the BM25 statistics of a collection.
type LexicalStats struct {
	Docs   int            // points
	Length int64          // their terms, counted with repetition
	DF     map[string]int // points holding each term (terms held by none left out)
}

func (l *lexIndex) stats() LexicalStats {
	s := LexicalStats{Docs: l.live, Length: l.totalLen, DF: make(map[string]int, len(l.terms))}
	for tid, t := range l.terms {
		if l.df[tid] > 0 {
			s.DF[t] = int(l.df[tid])
		}
	}
	return s
}

// accumulator is the scratch space of one lexical search: a score per
// document number and the numbers scored; reused through accumulators.
type accumulator struct {
	scores  []float32
	touched []uint32
}

var accumulators sync.Pool

// search returns the k best live documents for the query terms by BM25,
// best first, as point ids and scores. Documents sharing no term with the
// query are left out.
func (l *lexIndex) search(terms []string, k int) []lexHit {
	if k <= 0 || l.live == 0 {
		return nil
	}
	acc, _ := accumulators.Get().(*accumulator)
	if acc == nil {
		acc = &accumulator{}
	}
	if cap(acc.scores) < len(l.docs) {
		acc.scores = make([]float32, len(l.docs))
	}
	scores, touched := acc.scores[:len(l.docs)], acc.touched[:0]
	// lexical.TF unrolled: tf·(k1+1) / (tf + k1·(1-b) + k1·b·len/avgdl).
	avgdl := float64(l.totalLen) / float64(l.live)
	if avgdl <= 0 {
		avgdl = 1
	}
	base, slope := float32(lexical.K1*(1-lexical.B)), float32(lexical.K1*lexical.B/avgdl)
	for _, t := range terms {
		tid, ok := l.termID[t]
		if !ok || l.df[tid] == 0 {
			continue
		}
		w := float32(lexical.IDF(l.live, int(l.df[tid])) * (lexical.K1 + 1))
		for _, p := range l.postings[tid] {
			dl := l.lens[p.doc]
			if dl < 0 {
				continue
			}
			if scores[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			tf := float32(p.tf)
			scores[p.doc] += w * tf / (tf + base + slope*float32(dl))
		}
	}
	h := make(minHeap, 0, k+1)
	for _, n := range touched {
		s := scores[n]
		scores[n] = 0
		if len(h) < k {
			heap.Push(&h, scored{int(n), s})
		} else if s > h[0].score {
			h[0] = scored{int(n), s}
			heap.Fix(&h, 0)
		}
	}
	acc.touched = touched
	accumulators.Put(acc)
	out := make([]lexHit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		s := heap.Pop(&h).(scored)
		out[i] = lexHit{id: l.docs[s.i].id, score: s.score}
	}
	return out
}

type lexHit struct {
	id    string
	score float32
}
