// Short German and English mail snippets (subject, then the start of the body) as the owners'
// mailboxes hold them: the corpus the language identification was chosen with
// (src/mailbox/README.md, "The mail's language") and is held to (language.test.ts).
export const languageCorpus: readonly { language: 'de' | 'en'; text: string }[] = [
  {
    language: 'de',
    text: 'Termin morgen. Hallo Anna, können wir das Treffen auf 14 Uhr verschieben? Gruß Bernd',
  },
  {
    language: 'de',
    text: 'Rechnung 2027-0412. Sehr geehrte Damen und Herren, anbei erhalten Sie unsere Rechnung für den Monat März.',
  },
  {
    language: 'de',
    text: 'Re: Angebot. Danke, das passt so. Bitte schicken Sie mir noch die unterschriebene Version.',
  },
  {
    language: 'de',
    text: 'Urlaubsvertretung. Ich bin vom 3. bis 14. April nicht im Büro. In dringenden Fällen wenden Sie sich bitte an Frau Huber.',
  },
  { language: 'de', text: 'Kurze Frage. Hast du die Unterlagen für das Projekt schon bekommen?' },
  {
    language: 'de',
    text: 'Lieferung verzögert sich. Leider kann die Ware erst nächste Woche ausgeliefert werden. Wir bitten um Entschuldigung.',
  },
  {
    language: 'de',
    text: 'Einladung zur Betriebsversammlung. Liebe Kolleginnen und Kollegen, am Donnerstag findet um 10 Uhr die Versammlung in der Kantine statt.',
  },
  {
    language: 'de',
    text: 'Rückruf erbeten. Herr Schmidt von der Firma Meyer bittet um Rückruf unter der bekannten Nummer.',
  },
  {
    language: 'de',
    text: 'Passwort läuft ab. Ihr Kennwort läuft in 5 Tagen ab. Bitte ändern Sie es rechtzeitig.',
  },
  { language: 'de', text: 'Fwd: Protokoll. Anbei das Protokoll der letzten Sitzung zur Kenntnis.' },
  { language: 'de', text: 'Mittagessen? Gehen wir heute zusammen zum Italiener?' },
  {
    language: 'de',
    text: 'Ihre Bestellung wurde versandt. Guten Tag, Ihre Bestellung ist unterwegs und kommt voraussichtlich am Freitag an.',
  },
  { language: 'de', text: 'Krankmeldung. Ich bin heute leider krank und komme nicht ins Büro.' },
  {
    language: 'de',
    text: 'Wartungsarbeiten am Samstag. Am Samstag zwischen 8 und 12 Uhr ist das Netzwerk nicht erreichbar.',
  },
  {
    language: 'de',
    text: 'AW: Vertrag. Den Vertrag habe ich geprüft, zwei Punkte müssen wir noch besprechen.',
  },
  {
    language: 'de',
    text: 'Glückwunsch! Herzlichen Glückwunsch zum Geburtstag und alles Gute für das neue Lebensjahr.',
  },
  { language: 'de', text: 'Besprechung verschoben. Die Besprechung findet erst am Mittwoch statt.' },
  { language: 'de', text: 'Mahnung. Leider konnten wir bis heute keinen Zahlungseingang feststellen.' },
  { language: 'de', text: 'Neue Telefonnummer. Ab sofort erreichen Sie mich unter einer neuen Durchwahl.' },
  { language: 'de', text: 'Schlüssel vergessen. Kannst du mir bitte die Tür aufmachen, ich stehe unten.' },
  {
    language: 'de',
    text: 'Bewerbung als Sachbearbeiterin. Hiermit bewerbe ich mich auf die ausgeschriebene Stelle.',
  },
  {
    language: 'de',
    text: 'Update Server. Das Update ist eingespielt, bitte testet eure Anwendungen bis Montag.',
  },
  { language: 'de', text: 'Frage zum Meeting. Wer bringt den Beamer mit?' },
  { language: 'de', text: 'Paket abholen. Ihr Paket liegt in der Filiale zur Abholung bereit.' },
  { language: 'de', text: 'Reisekosten. Bitte reichen Sie die Belege bis Ende des Monats ein.' },
  { language: 'de', text: 'Danke! Vielen Dank für die schnelle Hilfe gestern.' },
  {
    language: 'de',
    text: 'Kündigung. Hiermit kündige ich den Vertrag fristgerecht zum nächstmöglichen Zeitpunkt.',
  },
  {
    language: 'de',
    text: 'Parkplatz. Ab nächster Woche wird der Parkplatz hinter dem Gebäude neu gepflastert.',
  },
  {
    language: 'de',
    text: 'Angebot Nr. 4711. Gerne unterbreiten wir Ihnen folgendes Angebot für die Wartung Ihrer Anlage.',
  },
  {
    language: 'de',
    text: 'Heute später. Ich komme heute etwa eine halbe Stunde später, der Zug hat Verspätung.',
  },
  {
    language: 'de',
    text: 'Team-Event. Wir treffen uns um 18 Uhr vor dem Eingang und gehen dann gemeinsam bowlen.',
  },
  {
    language: 'de',
    text: 'Rückfrage zur Rechnung. Auf der Rechnung fehlt die Bestellnummer, bitte ergänzen.',
  },
  { language: 'de', text: 'Fax. Sie haben ein Fax erhalten.' },
  { language: 'de', text: 'Sprachnachricht. Sie haben eine neue Sprachnachricht erhalten.' },
  { language: 'de', text: 'Termin beim Kunden. Treffpunkt ist um neun am Empfang, bitte pünktlich sein.' },
  { language: 'de', text: 'Aktualisierte Preisliste. Anbei die neue Preisliste, gültig ab dem ersten Juli.' },
  { language: 'de', text: 'Druckerproblem. Der Drucker im zweiten Stock druckt nur leere Seiten.' },
  { language: 'de', text: 'Hallo. Ruf mich bitte zurück, wenn du Zeit hast.' },
  {
    language: 'de',
    text: 'Newsletter Juni. Neues aus unserem Haus: Umzug der Buchhaltung und neue Öffnungszeiten.',
  },
  { language: 'de', text: 'Zugangsdaten. Ihre Zugangsdaten für das Kundenportal finden Sie unten.' },
  {
    language: 'de',
    text: 'Schulung am Dienstag. Die Schulung zur neuen Software beginnt um 9 Uhr im Raum 204.',
  },
  { language: 'de', text: 'Verlängerung. Wir würden das Projekt gern um drei Monate verlängern.' },
  {
    language: 'de',
    text: 'Abwesenheitsnotiz. Vielen Dank für Ihre Nachricht. Ich bin ab Montag wieder erreichbar.',
  },
  { language: 'de', text: 'Unterschrift fehlt. Auf Seite drei fehlt noch Ihre Unterschrift.' },
  {
    language: 'de',
    text: 'Zahlungserinnerung. Bitte überweisen Sie den offenen Betrag innerhalb von sieben Tagen.',
  },
  { language: 'de', text: 'Essen am Freitag. Wer kommt mit zum Griechen?' },
  { language: 'de', text: 'Änderung im Dienstplan. Am Wochenende übernimmt Jens die Rufbereitschaft.' },
  { language: 'de', text: 'Bitte um Freigabe. Könnten Sie die Bestellung bis heute Abend freigeben?' },
  { language: 'de', text: 'Statusbericht KW 12. Die Arbeiten liegen im Plan, nächste Woche folgt der Test.' },
  { language: 'de', text: 'Gute Besserung. Wir wünschen dir gute Besserung und eine schnelle Genesung!' },
  { language: 'en', text: 'Meeting tomorrow. Hi Anna, could we move the meeting to 2 pm? Best, Bernd' },
  {
    language: 'en',
    text: 'Invoice 2027-0412. Dear Sir or Madam, please find attached our invoice for March.',
  },
  {
    language: 'en',
    text: 'Re: Quote. Thanks, that works for us. Please send me the signed version as well.',
  },
  {
    language: 'en',
    text: 'Out of office. I am away from 3 to 14 April. For urgent matters please contact Ms Huber.',
  },
  { language: 'en', text: 'Quick question. Did you get the documents for the project yet?' },
  {
    language: 'en',
    text: 'Delivery delayed. Unfortunately the goods can only be shipped next week. We apologise for the delay.',
  },
  {
    language: 'en',
    text: 'Invitation to the staff meeting. Dear colleagues, the meeting is on Thursday at 10 am in the canteen.',
  },
  {
    language: 'en',
    text: 'Please call back. Mr Smith from Meyer Ltd asked you to call him back on the usual number.',
  },
  { language: 'en', text: 'Password expires. Your password expires in 5 days. Please change it in time.' },
  {
    language: 'en',
    text: 'Fwd: Minutes. Attached are the minutes of the last meeting for your information.',
  },
  { language: 'en', text: 'Lunch? Shall we go to the Italian place together today?' },
  {
    language: 'en',
    text: 'Your order has shipped. Hello, your order is on its way and should arrive on Friday.',
  },
  { language: 'en', text: 'Sick today. I am ill today and will not be in the office.' },
  { language: 'en', text: 'Maintenance on Saturday. The network will be down on Saturday between 8 and 12.' },
  {
    language: 'en',
    text: 'RE: Contract. I have reviewed the contract, there are two points we still need to discuss.',
  },
  { language: 'en', text: 'Congratulations! Happy birthday and all the best for the year ahead.' },
  { language: 'en', text: 'Meeting postponed. The meeting will now take place on Wednesday.' },
  { language: 'en', text: 'Payment reminder. We have not yet received your payment for the invoice below.' },
  { language: 'en', text: 'New phone number. From now on you can reach me on a new extension.' },
  { language: 'en', text: 'Forgot my key. Could you open the door for me please, I am downstairs.' },
  {
    language: 'en',
    text: 'Application for the clerk position. I am writing to apply for the advertised position.',
  },
  {
    language: 'en',
    text: 'Server update. The update is installed, please test your applications by Monday.',
  },
  { language: 'en', text: 'Question about the meeting. Who is bringing the projector?' },
  { language: 'en', text: 'Parcel waiting. Your parcel is ready for collection at the post office.' },
  { language: 'en', text: 'Travel expenses. Please hand in your receipts by the end of the month.' },
  { language: 'en', text: 'Thanks! Many thanks for your quick help yesterday.' },
  { language: 'en', text: 'Cancellation. I hereby cancel the contract at the earliest possible date.' },
  { language: 'en', text: 'Car park. From next week the car park behind the building will be resurfaced.' },
  {
    language: 'en',
    text: 'Quote no. 4711. We are pleased to offer you the following quote for servicing your system.',
  },
  { language: 'en', text: 'Running late. I will be about half an hour late today, my train is delayed.' },
  { language: 'en', text: 'Team event. We meet at 6 pm at the entrance and then go bowling together.' },
  {
    language: 'en',
    text: 'Question about the invoice. The order number is missing from the invoice, please add it.',
  },
  { language: 'en', text: 'Fax. You have received a fax.' },
  { language: 'en', text: 'Voice message. You have received a new voice message.' },
  { language: 'en', text: 'Customer visit. We meet at nine at the reception, please be on time.' },
  {
    language: 'en',
    text: 'Updated price list. Attached is the new price list, valid from the first of July.',
  },
  { language: 'en', text: 'Printer problem. The printer on the second floor only prints blank pages.' },
  { language: 'en', text: 'Hello. Please call me back when you have time.' },
  { language: 'en', text: 'June newsletter. News from our company: accounting moves and new opening hours.' },
  {
    language: 'en',
    text: 'Your login details. You will find your login details for the customer portal below.',
  },
  {
    language: 'en',
    text: 'Training on Tuesday. The training on the new software starts at 9 am in room 204.',
  },
  { language: 'en', text: 'Extension. We would like to extend the project by three months.' },
  { language: 'en', text: 'Automatic reply. Thank you for your message. I will be back on Monday.' },
  { language: 'en', text: 'Signature missing. Your signature is still missing on page three.' },
  { language: 'en', text: 'Payment due. Please transfer the outstanding amount within seven days.' },
  { language: 'en', text: 'Dinner on Friday. Who is coming along to the Greek restaurant?' },
  { language: 'en', text: 'Rota change. Jens is on call this weekend.' },
  { language: 'en', text: 'Approval needed. Could you approve the order by tonight?' },
  { language: 'en', text: 'Status report week 12. The work is on schedule, testing follows next week.' },
  { language: 'en', text: 'Get well soon. We wish you a speedy recovery!' },
];
