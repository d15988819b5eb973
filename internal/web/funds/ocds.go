package funds

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/funds"
	"escudo/internal/store"
)

// The contracts as an Open Contracting Data Standard 1.1 release package:
// one release per contract, with the Mechanism as buyer, the contractor
// as supplier, tender, award, contract and the payments as
// implementation.transactions. A security-sensitive item keeps its place
// in the list, marked withheld with the reason, without its detail (the
// OCDS guidance on redaction: keep the field, mark it).

const buyerID = "MX-MPPDDHP"

func (s *server) ocid(c store.FundContract) string {
	prefix := cmp.Or(s.Opts.OCIDPrefix, funds.DefaultOCIDPrefix)
	return prefix + "-" + strconv.Itoa(c.Year) + "-" + strconv.FormatInt(c.ID, 10)
}

type ocdsValue struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

func value(c funds.Cents) ocdsValue { return ocdsValue{Amount: float64(c) / 100, Currency: "MXN"} }

type ocdsParty struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Identifier map[string]string `json:"identifier,omitempty"`
	Roles      []string          `json:"roles"`
}

type ocdsItem struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Quantity    int    `json:"quantity"`
	Withheld    bool   `json:"withheld,omitempty"`
	Reason      string `json:"withheldReason,omitempty"`
}

type ocdsPeriod struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
}

type ocdsTransaction struct {
	ID       string     `json:"id"`
	Date     string     `json:"date"`
	Value    *ocdsValue `json:"value,omitempty"`
	Withheld bool       `json:"withheld,omitempty"`
	Reason   string     `json:"withheldReason,omitempty"`
	Payer    ocdsOrg    `json:"payer"`
	Payee    ocdsOrg    `json:"payee"`
}

type ocdsOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type ocdsRelease struct {
	OCID    string      `json:"ocid"`
	ID      string      `json:"id"`
	Date    string      `json:"date"`
	Tag     []string    `json:"tag"`
	Init    string      `json:"initiationType"`
	Parties []ocdsParty `json:"parties"`
	Buyer   ocdsOrg     `json:"buyer"`
	Tender  struct {
		ID                string    `json:"id"`
		Title             string    `json:"title"`
		ProcurementMethod string    `json:"procurementMethod"`
		Value             ocdsValue `json:"value"`
	} `json:"tender"`
	Awards []struct {
		ID        string    `json:"id"`
		Status    string    `json:"status"`
		Value     ocdsValue `json:"value"`
		Suppliers []ocdsOrg `json:"suppliers"`
	} `json:"awards"`
	Contracts []ocdsContract `json:"contracts"`
}

type ocdsContract struct {
	ID             string     `json:"id"`
	AwardID        string     `json:"awardID"`
	Title          string     `json:"title"`
	Status         string     `json:"status"`
	Value          ocdsValue  `json:"value"`
	DateSigned     string     `json:"dateSigned"`
	Period         ocdsPeriod `json:"period"`
	Items          []ocdsItem `json:"items"`
	Implementation struct {
		Transactions []ocdsTransaction `json:"transactions"`
	} `json:"implementation"`
}

// handleOCDS serves every contract of every year as one release package.
func (s *server) handleOCDS(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		s.RenderError(w, r, http.StatusBadRequest, "funds.bad_format")
		return
	}
	cs, err := s.DB.FundContracts(r.Context(), 0, false)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	// Payments come from the quarters' published releases only, as the
	// quarterly report shows them.
	releases := map[string]*store.FundRelease{}
	release := func(p funds.Period) (*store.FundRelease, error) {
		if fr, ok := releases[p.String()]; ok {
			return fr, nil
		}
		fr, err := s.DB.FundRelease(r.Context(), p.String())
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			releases[p.String()] = nil
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		releases[p.String()] = &fr
		return &fr, nil
	}
	buyer := ocdsOrg{ID: buyerID, Name: "Mecanismo de Protección para Personas Defensoras de Derechos Humanos y Periodistas"}
	pkg := struct {
		URI           string            `json:"uri"`
		Version       string            `json:"version"`
		PublishedDate string            `json:"publishedDate"`
		Publisher     map[string]string `json:"publisher"`
		Releases      []ocdsRelease     `json:"releases"`
	}{URI: "/transparencia/contratos", Version: "1.1", PublishedDate: time.Now().UTC().Format(time.RFC3339),
		Publisher: map[string]string{"name": buyer.Name}, Releases: []ocdsRelease{}}
	for _, c := range cs {
		oc := s.ocid(c)
		sup := ocdsOrg{ID: "MX-RFC-" + c.SupplierTax, Name: c.Supplier}
		if c.SupplierTax == "" {
			sup.ID = oc + "-supplier"
		}
		rel := ocdsRelease{OCID: oc, ID: oc + "-contract", Date: c.Signed.Format(time.RFC3339), Tag: []string{"contract"}, Init: "tender", Buyer: buyer,
			Parties: []ocdsParty{{ID: buyer.ID, Name: buyer.Name, Roles: []string{"buyer", "payer"}},
				{ID: sup.ID, Name: sup.Name, Identifier: map[string]string{"scheme": "MX-RFC", "id": c.SupplierTax}, Roles: []string{"supplier", "payee"}}}}
		rel.Tender.ID, rel.Tender.Title, rel.Tender.ProcurementMethod, rel.Tender.Value = oc+"-tender", c.Title, c.Method, value(c.Value)
		rel.Awards = append(rel.Awards, struct {
			ID        string    `json:"id"`
			Status    string    `json:"status"`
			Value     ocdsValue `json:"value"`
			Suppliers []ocdsOrg `json:"suppliers"`
		}{ID: oc + "-award", Status: "active", Value: value(c.Value), Suppliers: []ocdsOrg{sup}})
		k := ocdsContract{ID: oc + "-contract", AwardID: oc + "-award", Title: c.Title, Status: "active", Value: value(c.Value),
			DateSigned: c.Signed.Format(time.RFC3339), Period: ocdsPeriod{c.Starts.Format(time.RFC3339), c.Ends.Format(time.RFC3339)}, Items: []ocdsItem{}}
		for i, it := range c.Items {
			oi := ocdsItem{ID: strconv.Itoa(i + 1), Description: it.Description, Quantity: it.Quantity}
			if it.Withheld != "" {
				oi.Withheld, oi.Reason = true, reasonText[it.Withheld]
			}
			k.Items = append(k.Items, oi)
		}
		k.Implementation.Transactions = []ocdsTransaction{}
		// One transaction per quarter, as the quarter's release counts the
		// contract's payments: single payments would count the measures.
		for q := 1; q <= 4; q++ {
			per := funds.Period{Year: c.Year, Quarter: q}
			fr, err := release(per)
			if err != nil {
				s.ServerError(w, r, err)
				return
			}
			if fr == nil {
				continue
			}
			cell, ok := fr.Contract(c.ID)
			if !ok {
				continue
			}
			t := ocdsTransaction{ID: oc + "-" + per.String(), Date: per.End().AddDate(0, 0, -1).Format(time.RFC3339), Payer: buyer, Payee: sup}
			if cell.PaidPublished {
				v := value(cell.Paid)
				t.Value = &v
			} else {
				t.Withheld, t.Reason = true, "Pagos por medidas de protección de menos de 10 personas."
			}
			k.Implementation.Transactions = append(k.Implementation.Transactions, t)
		}
		rel.Contracts = []ocdsContract{k}
		pkg.Releases = append(pkg.Releases, rel)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(pkg)
}

// reasonText is why an item is withheld, in the Spanish the open data is
// published in (the page translates it into the reader's language).
var reasonText = map[string]string{
	"beneficiary": "Identificaría a una persona beneficiaria (protección de su seguridad).",
	"place":       "Revelaría un lugar donde está una persona protegida.",
	"safe_house":  "Revelaría una casa de refugio.",
	"vehicle":     "Identificaría un vehículo de protección (placas).",
	"officer":     "Identificaría a personal de protección.",
}
