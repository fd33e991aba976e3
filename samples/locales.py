"""Per-country data: number, date and money formats, names, places, banks and identifier shapes.

Shapes and some templates are patterns for `fake.pattern`: `9` is any digit, `^` a digit 1-9,
`@` a capital letter, `\\` escapes the next character; everything else is literal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    """Everything country-specific a document needs."""

    code: str
    lang: str
    letter: bool  # Letter rather than A4 paper
    money: tuple[str, ...]  # templates around the formatted amount `{a}`
    group: str
    decimal: str
    dates: tuple[str, ...]  # templates: {d} {dd} {mm} {Y} {B} (month name) {b} (abbreviated)
    tax: str
    rates: tuple[float, ...]
    vat: tuple[str, str]  # the issuer's tax id: label, shape
    extra_id: tuple[str, str] | None  # a second registration number: label, shape
    cust_vat: tuple[str, ...]  # labels of the customer's tax id (a look-alike, not a customer no.)
    phones: tuple[str, ...]
    care: tuple[str, ...]
    cities: tuple[tuple[str, str, str], ...]  # name, region, postcode shape
    city_line: str  # may hold a newline: two address lines
    streets: tuple[str, ...]
    street_fmt: str
    first: tuple[str, ...]
    last: tuple[str, ...]
    forms: tuple[str, ...]
    banks: tuple[str, ...]
    bank_style: str  # iban | gb | us | in
    iban_country: str
    supply: tuple[str, str] | None  # utility supply point: label, shape
    legal: tuple[str, ...]  # footer legal lines (patterns with {city} {region} {person})
    tld: str
    country: str


LOCALES: dict[str, Locale] = {
    "en-US": Locale(
        code="en-US", lang="en", letter=True, money=("${a}", "USD {a}", "$ {a}"),
        group=",", decimal=".", dates=("{mm}/{dd}/{Y}", "{B} {d}, {Y}", "{b} {d}, {Y}"),
        tax="Sales Tax", rates=(8.875, 6.25, 7.0, 8.25), vat=("EIN", "^9-^999999"),
        extra_id=None, cust_vat=("Customer Tax ID", "Customer EIN"),
        phones=("(^99) ^99-9999", "^99-^99-9999"), care=("1-800-^99-9999", "1-888-^99-9999"),
        cities=(
            ("New York", "NY", "100^9"), ("Chicago", "IL", "606^9"), ("Austin", "TX", "787^9"),
            ("Denver", "CO", "802^9"), ("Seattle", "WA", "81^^9"), ("Boston", "MA", "021^9"),
            ("Atlanta", "GA", "303^9"), ("Phoenix", "AZ", "850^9"), ("Columbus", "OH", "432^9"),
        ),
        city_line="{city}, {region} {zip}",
        streets=("Main Street", "Oak Avenue", "Maple Drive", "Park Avenue", "Lake Street",
                 "Cedar Lane", "Elm Street", "Market Street", "Sunset Boulevard", "Commerce Way"),
        street_fmt="{n} {s}",
        first=("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda",
               "Daniel", "Susan", "Kevin", "Laura"),
        last=("Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Garcia", "Wilson",
              "Anderson", "Thompson", "Martinez", "Clark"),
        forms=("Inc.", "LLC", "Corp.", "Co."),
        banks=("Lakeshore National Bank", "Summit Trust Bank", "Cascade Federal Bank",
               "Prairie State Bank"),
        bank_style="us", iban_country="", supply=("Service Point ID", "^99999999"),
        legal=("Make checks payable to {name}", "{name} · {city}, {region}"),
        tld="com", country="USA",
    ),
    "en-GB": Locale(
        code="en-GB", lang="en", letter=False, money=("£{a}", "GBP {a}"),
        group=",", decimal=".", dates=("{dd}/{mm}/{Y}", "{d} {B} {Y}", "{d} {b} {Y}"),
        tax="VAT", rates=(20.0, 5.0), vat=("VAT Reg. No.", "GB ^99 ^999 99"),
        extra_id=("Company No.", "0^^^^^^"), cust_vat=("Customer VAT No.", "Your VAT No."),
        phones=("0^0 ^999 9999", "01^^ ^^^ 9999"), care=("0800 ^^^ 9999", "0345 ^^^ 9999"),
        cities=(
            ("London", "", "EC1V ^@@"), ("Manchester", "", "M4 ^@@"), ("Birmingham", "", "B3 ^@@"),
            ("Leeds", "", "LS1 ^@@"), ("Bristol", "", "BS1 ^@@"), ("Glasgow", "", "G2 ^@@"),
            ("Edinburgh", "", "EH2 ^@@"), ("Cardiff", "", "CF10 ^@@"),
        ),
        city_line="{city}\n{zip}",
        streets=("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane",
                 "Queen Street", "King's Road", "Park Road", "Albert Street", "London Road"),
        street_fmt="{n} {s}",
        first=("Oliver", "Amelia", "George", "Isla", "Harry", "Emily", "Jack", "Sophie",
               "Thomas", "Charlotte", "William", "Grace"),
        last=("Taylor", "Jones", "Davies", "Evans", "Wilson", "Roberts", "Walker", "Wright",
              "Hughes", "Edwards", "Green", "Turner"),
        forms=("Ltd", "Limited", "plc"),
        banks=("Northgate Bank", "Thames Valley Bank", "Albion Bank plc", "Pennine Bank"),
        bank_style="gb", iban_country="GB", supply=("MPAN", "^^ ^^^^ ^999 999"),
        legal=("Registered in England and Wales No. {extra}. Registered office: {city}.",
               "{name} is authorised and regulated by the Financial Conduct Authority."),
        tld="co.uk", country="United Kingdom",
    ),
    "en-IN": Locale(
        code="en-IN", lang="en", letter=False, money=("Rs. {a}", "INR {a}"),
        group=",", decimal=".", dates=("{dd}-{mm}-{Y}", "{dd}-{b}-{Y}", "{dd}/{mm}/{Y}"),
        tax="GST", rates=(18.0,), vat=("GSTIN", "^^@@@@@^999@^Z^"),
        extra_id=("PAN", "@@@@@^999@"), cust_vat=("Customer GSTIN", "GSTIN of Recipient"),
        phones=("+\\91 ^^ 9999 9999", "0^^ ^999 9999"), care=("1800 ^^^ 9999", "1860 ^^^ 9999"),
        cities=(
            ("Mumbai", "Maharashtra", "4000^^"), ("Bengaluru", "Karnataka", "5600^^"),
            ("Chennai", "Tamil Nadu", "6000^^"), ("Pune", "Maharashtra", "4110^^"),
            ("Hyderabad", "Telangana", "5000^^"), ("New Delhi", "Delhi", "1100^^"),
            ("Kolkata", "West Bengal", "7000^^"), ("Ahmedabad", "Gujarat", "3800^^"),
        ),
        city_line="{city} - {zip}\n{region}",
        streets=("MG Road", "Linking Road", "Park Street", "Anna Salai", "Residency Road",
                 "Nehru Place", "FC Road", "Brigade Road"),
        street_fmt="{n}, {s}",
        first=("Rahul", "Priya", "Amit", "Sneha", "Vikram", "Anjali", "Arjun", "Kavya", "Rohan",
               "Neha", "Suresh", "Deepa"),
        last=("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh", "Mehta", "Rao",
              "Joshi", "Kulkarni", "Das"),
        forms=("Pvt. Ltd.", "Limited", "Private Limited"),
        banks=("Deccan Commercial Bank", "Western India Bank", "Coastal Union Bank",
               "Indus Valley Bank"),
        bank_style="in", iban_country="", supply=None,
        legal=("CIN: U^^^^^MH20^^PTC^^^^^^", "Registered Office: {city}, {region}"),
        tld="in", country="India",
    ),
    "de-DE": Locale(
        code="de-DE", lang="de", letter=False, money=("{a} €", "{a} EUR", "EUR {a}"),
        group=".", decimal=",", dates=("{dd}.{mm}.{Y}", "{d}. {B} {Y}"),
        tax="MwSt.", rates=(19.0, 7.0), vat=("USt-IdNr.", "DE^99999999"),
        extra_id=("Steuernummer", "^^/^^^/^^^^^"), cust_vat=("Ihre USt-IdNr.", "USt-IdNr. Kunde"),
        phones=("0^^^ ^^^^^-0", "+4\\9 ^^ ^^^^ ^^^"), care=("0800 ^^^ ^^^^", "0180 ^ ^^^ ^^^"),
        cities=(
            ("Berlin", "", "10^^^"), ("Hamburg", "", "22^^^"), ("München", "", "80^^^"),
            ("Köln", "", "50^^^"), ("Frankfurt am Main", "", "60^^^"), ("Stuttgart", "", "70^^^"),
            ("Düsseldorf", "", "40^^^"), ("Leipzig", "", "04^^^"), ("Hannover", "", "30^^^"),
            ("Bremen", "", "28^^^"),
        ),
        city_line="{zip} {city}",
        streets=("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Lindenweg", "Gartenstraße",
                 "Schillerstraße", "Goethestraße", "Am Markt", "Kirchplatz", "Friedrichstraße"),
        street_fmt="{s} {n}",
        first=("Thomas", "Sabine", "Michael", "Andrea", "Stefan", "Claudia", "Jürgen", "Petra",
               "Markus", "Julia", "Frank", "Katrin"),
        last=("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
              "Schulz", "Hoffmann", "Koch", "Richter"),
        forms=("GmbH", "AG", "GmbH & Co. KG", "e.K."),
        banks=("Sparkasse {city}", "Volksbank {city} eG", "Nordbank AG", "Rheinische Handelsbank"),
        bank_style="iban", iban_country="DE",
        supply=("Zählpunkt", "DE000^^^^^^^^^^^^^^^^^^^^^^^^^^"),
        legal=("Sitz der Gesellschaft: {city} · Amtsgericht {city} HRB ^^^^^",
               "Geschäftsführer: {person}"),
        tld="de", country="Deutschland",
    ),
    "fr-FR": Locale(
        code="fr-FR", lang="fr", letter=False, money=("{a} €", "{a} EUR"),
        group=" ", decimal=",", dates=("{dd}/{mm}/{Y}", "{d} {B} {Y}"),
        tax="TVA", rates=(20.0, 10.0, 5.5), vat=("N° TVA intracom.", "FR ^^ ^^^ ^^^ ^^^"),
        extra_id=("SIRET", "^^^ ^^^ ^^^ ^^^^^"), cust_vat=("N° TVA client", "TVA intracom. client"),
        phones=("0^ ^^ ^^ ^^ ^^", "+33 ^ ^^ ^^ ^^ ^^"), care=("0 800 ^^ ^^ ^^", "0 ^^0 ^^ ^^ ^^"),
        cities=(
            ("Paris", "", "750^^"), ("Marseille", "", "130^^"), ("Toulouse", "", "310^^"),
            ("Bordeaux", "", "330^^"), ("Nantes", "", "440^^"), ("Strasbourg", "", "670^^"),
            ("Montpellier", "", "340^^"), ("Rennes", "", "350^^"), ("Grenoble", "", "380^^"),
        ),
        city_line="{zip} {CITY}",
        streets=("rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo",
                 "rue des Lilas", "place de la Gare", "rue du Commerce", "avenue de la Libération",
                 "rue Pasteur", "chemin des Vignes", "allée des Tilleuls"),
        street_fmt="{n} {s}",
        first=("Jean", "Marie", "Pierre", "Sophie", "Nicolas", "Isabelle", "Julien", "Camille",
               "Laurent", "Nathalie", "Antoine", "Claire"),
        last=("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Lefèvre"),
        forms=("SAS", "SARL", "SA"),
        banks=("Crédit Régional de l'Ouest", "Banque Populaire du Centre",
               "Caisse d'Épargne {city}", "Banque Atlantique"),
        bank_style="iban", iban_country="FR", supply=("PDL", "^^^^^^^^^^^^^^"),
        legal=("SAS au capital de 50 000 € · RCS {city} B ^^^ ^^^ ^^^ · APE ^^^^@",
               "Siège social : {city}"),
        tld="fr", country="France",
    ),
    "nl-NL": Locale(
        code="nl-NL", lang="nl", letter=False, money=("€ {a}", "EUR {a}"),
        group=".", decimal=",", dates=("{dd}-{mm}-{Y}", "{d} {B} {Y}"),
        tax="BTW", rates=(21.0, 9.0), vat=("BTW-nummer", "NL^^^^^^^^^B0^"),
        extra_id=("KvK-nummer", "^^^^^^^^"), cust_vat=("BTW-nummer klant", "Uw BTW-nummer"),
        phones=("0^0 ^^^ ^^^^", "+31 ^0 ^^^ ^^^^"), care=("0800-^^^^", "088 ^^^ ^^^^"),
        cities=(
            ("Amsterdam", "", "10^^ @@"), ("Rotterdam", "", "30^^ @@"), ("Utrecht", "", "35^^ @@"),
            ("Den Haag", "", "25^^ @@"), ("Eindhoven", "", "56^^ @@"), ("Haarlem", "", "20^^ @@"),
            ("Nijmegen", "", "65^^ @@"), ("Zwolle", "", "80^^ @@"),
        ),
        city_line="{zip} {CITY}",
        streets=("Kerkstraat", "Stationsweg", "Dorpsstraat", "Industrieweg", "Molenstraat",
                 "Schoolstraat", "Hoofdstraat", "Julianalaan", "Keizersgracht", "Marktplein"),
        street_fmt="{s} {n}",
        first=("Jan", "Anna", "Pieter", "Sanne", "Joost", "Lotte", "Bram", "Eva", "Thijs",
               "Femke", "Daan", "Iris"),
        last=("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
              "Smit", "Meijer", "de Boer", "Mulder", "Bos"),
        forms=("B.V.", "N.V.", "V.O.F."),
        banks=("Noordelijke Spaarbank", "Holland Handelsbank", "Rijnmond Bank N.V.",
               "Delta Coöperatieve Bank"),
        bank_style="iban", iban_country="NL", supply=("EAN-code", "8716^^^^^^^^^^^^^^"),
        legal=("Ingeschreven bij de Kamer van Koophandel te {city}",
               "Op al onze leveringen zijn de algemene voorwaarden van toepassing."),
        tld="nl", country="Nederland",
    ),
    "es-ES": Locale(
        code="es-ES", lang="es", letter=False, money=("{a} €", "{a} EUR"),
        group=".", decimal=",", dates=("{dd}/{mm}/{Y}", "{d} de {B} de {Y}"),
        tax="IVA", rates=(21.0, 10.0), vat=("CIF", "@^^^^^^^^"),
        extra_id=None, cust_vat=("NIF cliente", "CIF del cliente"),
        phones=("^^ ^^^ ^^ ^^", "+34 ^^^ ^^^ ^^^"), care=("800 ^^^ ^^^", "^0^ ^^^ ^^^"),
        cities=(
            ("Madrid", "Madrid", "280^^"), ("Barcelona", "Barcelona", "080^^"),
            ("Valencia", "Valencia", "460^^"), ("Sevilla", "Sevilla", "410^^"),
            ("Zaragoza", "Zaragoza", "500^^"), ("Bilbao", "Bizkaia", "480^^"),
            ("Alicante", "Alicante", "030^^"), ("Valladolid", "Valladolid", "470^^"),
        ),
        city_line="{zip} {city} ({region})",
        streets=("Calle Mayor", "Avenida de la Constitución", "Calle del Sol",
                 "Paseo de la Castellana", "Calle Real", "Avenida de América", "Calle de Alcalá",
                 "Plaza de España", "Calle San Fernando", "Ronda de Atocha"),
        street_fmt="{s}, {n}",
        first=("Antonio", "María", "José", "Carmen", "Manuel", "Laura", "Javier", "Lucía",
               "David", "Marta", "Carlos", "Elena"),
        last=("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
              "Pérez", "Gómez", "Martín", "Ruiz", "Díaz"),
        forms=("S.L.", "S.A.", "S.L.U."),
        banks=("Banco del Mediterráneo", "Caja Rural de Castilla", "Banco Atlántico Central",
               "Caixa Levante"),
        bank_style="iban", iban_country="ES", supply=("CUPS", "ES00^^^^^^^^^^^^^^^^@@"),
        legal=("Inscrita en el Registro Mercantil de {city}, Tomo ^^^^, Folio ^^, Hoja M-^^^^^^",
               "Domicilio social: {city}"),
        tld="es", country="España",
    ),
    "it-IT": Locale(
        code="it-IT", lang="it", letter=False, money=("€ {a}", "{a} €", "EUR {a}"),
        group=".", decimal=",", dates=("{dd}/{mm}/{Y}", "{d} {B} {Y}"),
        tax="IVA", rates=(22.0, 10.0), vat=("Partita IVA", "IT0^^^^^^^^^^"),
        extra_id=("Codice fiscale", "0^^^^^^^^^^"), cust_vat=("P.IVA cliente", "C.F. cliente"),
        phones=("0^ ^^^^ ^^^^", "+3\\9 0^^ ^^^ ^^^^"), care=("800 ^^^ ^^^", "0^ ^^^ ^^^^"),
        cities=(
            ("Milano", "MI", "201^^"), ("Roma", "RM", "001^^"), ("Torino", "TO", "101^^"),
            ("Bologna", "BO", "401^^"), ("Firenze", "FI", "501^^"), ("Napoli", "NA", "801^^"),
            ("Verona", "VR", "371^^"), ("Genova", "GE", "161^^"), ("Padova", "PD", "351^^"),
        ),
        city_line="{zip} {city} ({region})",
        streets=("Via Roma", "Via Garibaldi", "Corso Italia", "Viale dei Mille", "Via Mazzini",
                 "Piazza Duomo", "Via Dante", "Corso Vittorio Emanuele", "Via Verdi", "Via Cavour"),
        street_fmt="{s}, {n}",
        first=("Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Andrea", "Sara",
               "Matteo", "Valentina", "Paolo", "Elena"),
        last=("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
              "Marino", "Greco", "Bruno", "Gallo"),
        forms=("S.r.l.", "S.p.A.", "S.a.s."),
        banks=("Banca Popolare del Nord", "Cassa di Risparmio di {city}", "Banca Adriatica",
               "Credito Lombardo"),
        bank_style="iban", iban_country="IT", supply=("Codice POD", "IT001E^^^^^^^^"),
        legal=("Cap. soc. € 10.000,00 i.v. · REA {region}-^^^^^^ · Reg. Imprese di {city}",
               "Sede legale: {city} ({region})"),
        tld="it", country="Italia",
    ),
}

BY_LANG: dict[str, tuple[str, ...]] = {
    "en": ("en-US", "en-GB", "en-IN"),
    "de": ("de-DE",),
    "fr": ("fr-FR",),
    "nl": ("nl-NL",),
    "es": ("es-ES",),
    "it": ("it-IT",),
}

# Customer-number shapes by issuer kind; ODD_SHAPES are the unusual ones (family `odd_values`).
SHAPES: dict[str, tuple[str, ...]] = {
    "telecom": ("^999999999", "^99 999 9999", "^999 9999 99", "^9999999-9", "TN^9999999"),
    "utility": ("^9 9999 9999", "^99999999999", "^999999999", "^99 999 999 99", "^999-9999-99"),
    "retail": ("^9999", "^99999", "K-^9999", "C^99999", "^99-9999"),
    "saas": ("CUST-^9999", "CUS-@@^9@9", "AC-^9999", "^9999999", "ORG-^999-@@"),
    "insurance": ("K ^99 999", "00^9 ^9999-^99999 9", "^9.999.999", "KV-^999999", "^9999999"),
    "wholesale": ("^9999-9999", "D^9999", "^9999", "^999999", "CU-^999-@@"),
}
ODD_SHAPES: tuple[str, ...] = (
    "#^9999", "K ^99 ^99", "00^9 ^9999-^99999 9", "CU-^999-@@", "^9 ^99 999 999 9",
    "@@-^9999-@", "^", "^9", "^99", "^99999999999", "^999 ^999 ^999", "#^99-^99",
)
