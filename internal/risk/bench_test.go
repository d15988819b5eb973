package risk

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkEvaluateExplain measures one evaluation with its explanation,
// the "what would change the level" search included, on the default
// instrument, over 1,000 varied answers; it reports the 99th percentile of
// the single operations beside the mean.
func BenchmarkEvaluateExplain(b *testing.B) {
	inst := Default()
	r := rand.New(rand.NewPCG(13, 2026))
	answers := make([]Answers, 1000)
	for i := range answers {
		answers[i] = randomAnswers(r, inst)
	}
	answers[0] = workedExample()
	benchmarkOps(b, answers, func(a Answers) {
		res, err := Evaluate(inst, a)
		if err != nil {
			b.Fatal(err)
		}
		_ = Explain(inst, res)
	})
}

// BenchmarkExplainWorst is the search on the answers of the sample that
// cost it the most work.
func BenchmarkExplainWorst(b *testing.B) {
	inst := Default()
	r := rand.New(rand.NewPCG(13, 2026))
	var worst Answers
	most := -1
	for range 5000 {
		a := randomAnswers(r, inst)
		res, _ := Evaluate(inst, a)
		if n := searchWork(inst, res); n > most {
			worst, most = a, n
		}
	}
	b.ReportMetric(float64(most), "steps-tried")
	benchmarkOps(b, []Answers{worst}, func(a Answers) {
		res, err := Evaluate(inst, a)
		if err != nil {
			b.Fatal(err)
		}
		_ = Explain(inst, res)
	})
}

// searchWork is how much of the budget both searches spend.
func searchWork(inst *Instrument, res Result) int {
	n := 0
	for _, up := range []bool{true, false} {
		s := newSearcher(inst, res, up)
		if s != nil {
			s.run()
			n += searchBudget - s.budget
		}
	}
	return n
}

func benchmarkOps(b *testing.B, answers []Answers, op func(Answers)) {
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := time.Now()
		op(answers[i%len(answers)])
		times = append(times, time.Since(start))
		i++
	}
	slices.Sort(times)
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
	}
}
