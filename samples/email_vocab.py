"""Words of welcome emails and e-bills, per language: labels, look-alike fields and sentences.

List values are alternatives (one is picked per email); `{v}` is a number, `{name}` a person,
`{company}` the sender.
"""

from __future__ import annotations

from typing import Any

EmailVocab = dict[str, Any]

VOCAB: dict[str, EmailVocab] = {
    "en": {
        "cust": ["Customer number", "Customer No.", "Customer ID", "Client ID", "Member ID",
                 "Customer #", "Your customer number"],
        "acct": ["Account number", "Account No.", "Account #", "Billing account number",
                 "Acct #", "Account ID"],
        "order": ["Order number", "Order #", "Confirmation number"],
        "tracking": ["Tracking number", "Tracking ID"],
        "invoice": ["Invoice number", "Bill number"],
        "phone": ["Phone", "Customer service", "Call us"],
        "date": ["Date", "Billing date", "Due date"],
        "amount": ["Amount due", "Total", "Balance"],
        "hello": ["Hello {name},", "Dear {name},", "Hi {name},"],
        "welcome": ["Welcome to {company}! Your account is now active.",
                    "Thank you for choosing {company}. Here are your account details.",
                    "We are glad to have you with {company}."],
        "bill": ["Your new bill from {company} is ready.",
                 "Your monthly statement is now available online.",
                 "Thank you for your payment. Here is a summary of your bill."],
        "say": ["Your customer number is {v}.", "Please keep your account number {v} handy."],
        "closing": ["Kind regards,", "Best wishes,", "Thank you,"],
        "subject_welcome": ["Welcome to {company}", "Your {company} account details"],
        "subject_bill": ["Your {company} bill is ready", "Your statement from {company}"],
        "footer": ["Please do not reply to this email.", "Manage your preferences online.",
                   "You are receiving this email because you are a {company} customer."],
    },
    "de": {
        "cust": ["Kundennummer", "Kunden-Nr.", "Ihre Kundennummer", "Kundennr."],
        "acct": ["Vertragskontonummer", "Kundenkonto", "Vertragskonto"],
        "order": ["Bestellnummer", "Auftragsnummer", "Bestell-Nr."],
        "tracking": ["Sendungsnummer"],
        "invoice": ["Rechnungsnummer", "Rechnungs-Nr."],
        "phone": ["Telefon", "Kundenservice", "Hotline"],
        "date": ["Datum", "Rechnungsdatum", "Fällig am"],
        "amount": ["Betrag", "Rechnungsbetrag", "Gesamtbetrag"],
        "hello": ["Hallo {name},", "Guten Tag {name},", "Sehr geehrte(r) {name},"],
        "welcome": ["Willkommen bei {company}! Ihr Kundenkonto ist jetzt aktiv.",
                    "Vielen Dank für Ihre Anmeldung bei {company}. Hier sind Ihre Daten."],
        "bill": ["Ihre neue Rechnung von {company} ist da.",
                 "Ihre Monatsrechnung steht im Kundenportal für Sie bereit."],
        "say": ["Ihre Kundennummer lautet {v}.", "Bitte geben Sie bei Fragen Ihre Kundennummer "
                "{v} an."],
        "closing": ["Mit freundlichen Grüßen", "Viele Grüße"],
        "subject_welcome": ["Willkommen bei {company}", "Ihre Zugangsdaten bei {company}"],
        "subject_bill": ["Ihre Rechnung von {company}", "Neue Rechnung verfügbar"],
        "footer": ["Bitte antworten Sie nicht auf diese E-Mail.",
                   "Diese E-Mail wurde automatisch erstellt."],
    },
    "fr": {
        "cust": ["N° client", "Numéro client", "Référence client", "Identifiant client",
                 "Votre numéro client"],
        "acct": ["Numéro de compte client", "Compte client", "N° de compte client"],
        "order": ["N° de commande", "Numéro de commande"],
        "tracking": ["Numéro de suivi", "N° de suivi"],
        "invoice": ["N° facture", "Numéro de facture"],
        "phone": ["Téléphone", "Service client"],
        "date": ["Date", "Date de facture", "Échéance"],
        "amount": ["Montant", "Montant TTC", "Net à payer"],
        "hello": ["Bonjour {name},", "Madame, Monsieur,"],
        "welcome": ["Bienvenue chez {company} ! Votre espace client est activé.",
                    "Merci d'avoir choisi {company}. Voici vos informations."],
        "bill": ["Votre nouvelle facture {company} est disponible.",
                 "Votre facture du mois est disponible dans votre espace client."],
        "say": ["Votre numéro client est le {v}.", "Rappelez votre numéro client {v} lors "
                "de vos échanges."],
        "closing": ["Cordialement,", "Bien à vous,"],
        "subject_welcome": ["Bienvenue chez {company}", "Vos identifiants {company}"],
        "subject_bill": ["Votre facture {company}", "Votre facture est disponible"],
        "footer": ["Merci de ne pas répondre à cet e-mail.", "Cet e-mail a été envoyé "
                   "automatiquement."],
    },
    "nl": {
        "cust": ["Klantnummer", "Klantnr.", "Uw klantnummer", "Relatienummer"],
        "acct": ["Contractrekening", "Klantrekening", "Contractrekeningnummer"],
        "order": ["Bestelnummer", "Ordernummer"],
        "tracking": ["Track & Trace", "Zendingnummer"],
        "invoice": ["Factuurnummer", "Factuurnr."],
        "phone": ["Telefoon", "Klantenservice"],
        "date": ["Datum", "Factuurdatum", "Vervaldatum"],
        "amount": ["Bedrag", "Totaal", "Te betalen"],
        "hello": ["Beste {name},", "Geachte {name},", "Hallo {name},"],
        "welcome": ["Welkom bij {company}! Uw account is nu actief.",
                    "Bedankt voor uw aanmelding bij {company}. Hieronder vindt u uw gegevens."],
        "bill": ["Uw nieuwe factuur van {company} staat klaar.",
                 "Uw maandelijkse nota is beschikbaar in Mijn {company}."],
        "say": ["Uw klantnummer is {v}.", "Vermeld bij vragen altijd uw klantnummer {v}."],
        "closing": ["Met vriendelijke groet,", "Groeten,"],
        "subject_welcome": ["Welkom bij {company}", "Uw gegevens bij {company}"],
        "subject_bill": ["Uw factuur van {company}", "Nieuwe factuur beschikbaar"],
        "footer": ["Dit is een automatisch verzonden e-mail.", "U kunt niet op deze e-mail "
                   "reageren."],
    },
    "es": {
        "cust": ["Número de cliente", "Nº de cliente", "Código de cliente", "Id cliente"],
        "acct": ["Número de cuenta cliente", "Cuenta cliente", "Nº de cuenta cliente"],
        "order": ["Nº de pedido", "Número de pedido"],
        "tracking": ["Nº de seguimiento"],
        "invoice": ["Nº de factura", "Número de factura"],
        "phone": ["Teléfono", "Atención al cliente"],
        "date": ["Fecha", "Fecha de factura", "Fecha de vencimiento"],
        "amount": ["Importe", "Total a pagar", "Total"],
        "hello": ["Hola {name}:", "Estimado/a {name}:"],
        "welcome": ["¡Bienvenido a {company}! Tu cuenta ya está activa.",
                    "Gracias por confiar en {company}. Estos son tus datos."],
        "bill": ["Tu nueva factura de {company} ya está disponible.",
                 "Ya puedes consultar tu factura en el área de clientes."],
        "say": ["Tu número de cliente es {v}.", "Indica tu número de cliente {v} en tus "
                "consultas."],
        "closing": ["Un saludo,", "Atentamente,"],
        "subject_welcome": ["Bienvenido a {company}", "Tus datos de cliente de {company}"],
        "subject_bill": ["Tu factura de {company}", "Nueva factura disponible"],
        "footer": ["Por favor, no respondas a este correo.", "Este mensaje se ha enviado "
                   "automáticamente."],
    },
    "it": {
        "cust": ["Codice cliente", "Numero cliente", "Cod. cliente", "N. cliente"],
        "acct": ["Codice conto cliente", "Conto cliente", "Numero conto cliente"],
        "order": ["Numero ordine", "N. ordine"],
        "tracking": ["Numero di tracciamento", "Codice di tracciamento"],
        "invoice": ["Numero fattura", "N. fattura"],
        "phone": ["Telefono", "Servizio clienti", "Numero verde"],
        "date": ["Data", "Data fattura", "Scadenza"],
        "amount": ["Importo", "Totale da pagare", "Totale"],
        "hello": ["Gentile {name},", "Ciao {name},"],
        "welcome": ["Benvenuto in {company}! Il tuo account è attivo.",
                    "Grazie per aver scelto {company}. Ecco i tuoi dati."],
        "bill": ["La tua nuova bolletta {company} è disponibile.",
                 "La fattura del mese è disponibile nell'area clienti."],
        "say": ["Il tuo codice cliente è {v}.", "Ricorda il tuo codice cliente {v} per ogni "
                "richiesta."],
        "closing": ["Cordiali saluti,", "A presto,"],
        "subject_welcome": ["Benvenuto in {company}", "I tuoi dati {company}"],
        "subject_bill": ["La tua bolletta {company}", "Nuova fattura disponibile"],
        "footer": ["Ti preghiamo di non rispondere a questa email.", "Email generata "
                   "automaticamente."],
    },
}

COMPANIES = [
    ("Northwind Energy", "northwind-energy"), ("Brightline Telecom", "brightline"),
    ("Helios Strom", "helios-strom"), ("Orbit Mobile", "orbitmobile"),
    ("Vega Seguros", "vegaseguros"), ("Lumen Acqua", "lumenacqua"),
    ("Polder Energie", "polderenergie"), ("Azur Télécom", "azur-telecom"),
    ("Cascade Water", "cascadewater"), ("Fjord Fiber", "fjordfiber"),
]
TLDS = {"en": "com", "de": "de", "fr": "fr", "nl": "nl", "es": "es", "it": "it"}
NAMES = ["Anna Keller", "John Miller", "Sophie Martin", "Lucas de Vries", "Lucía García",
         "Marco Rossi", "Emma Dubois", "Jan Jansen", "Laura Bianchi", "Peter Schmidt"]
MAILBOXES = ["gmail.com", "outlook.com", "web.de", "orange.fr", "yahoo.es", "gmx.net"]
