"""Word lists and spelling clues of the ``language`` check (en, tr, pt, es), as plain data.

Short chat replies ("Valeu!", "Aynen.", "Fair enough.") carry too few letters for an n-gram
model alone, so the common words of chat in each language are listed here. A word listed for
several languages splits its point between them ("no", "a", "plan", "claro").
"""

from __future__ import annotations

STOPWORDS: dict[str, str] = {
    "english": """the and is are was were be been being you your yours i me my mine we our us they
        them their he she his her it its this that these those to of in on at for with from by
        about as not but or if so what which who whom how why when where there here have has had
        do does did will would can could should may might must just very also than then too yes
        hi hello thanks thank please sorry sure an a into out up down over after before because
        while all any some more most other such only own same both each few i'm don't it's you're
        that's can't i'll i've won't isn't let's what's there's i'd you'll we're they're doesn't
        didn't get got know think want need like well really right now today tomorrow run week
        no one every never always much many first last new good great make keep still again
        way even say see look long easy going back off let take give
        ok okay cool nice awesome amazing perfect fine yep yeah yup nope nah agreed agree exactly
        totally definitely absolutely maybe perhaps probably cheers bye goodbye welcome congrats
        congratulations sounds sound makes sense enough fair gotcha noted deal done love glad happy
        tired hard slow fast pace plan rest day days time talk tell ask said says help wow oh oops
        indeed course nothing something anything everything someone anyone nobody thing things
        morning night evening afternoon later soon tonight luck job work working worked idea true
        wrong correct point mind problem worries worry care lot lots bit little yours truly
        lovely brilliant fantastic excellent wonderful thought thoughts sounds interesting
        understood understand see seen heard talk soon ready done let's go come sleep well show top legal
        sometimes anyway though although yet another without within through between since until
        something nothing ever whether either neither those whose myself yourself itself""",
    "turkish": """ve bir bi bu şu o da de ne ile için çok ama gibi daha var yok ben sen biz siz
        onlar mi mı mu mü değil evet hayır şey bişey birşey kanka tamam nasıl neden niye şimdi
        sonra her sana bana beni seni onu ki diye olarak kadar bile hem ya veya ise eğer sadece
        artık hadi abi abla lan sor söyle merhaba selam naber teşekkürler teşekkür sağol iyi
        güzel kötü bugün yarın dün hep hiç en çünkü yani belki tabii elbette lütfen nerede kim
        hangi benim senin onun bizim sizin şöyle böyle öyle burada orada bunu şunu dinle bak
        olur oldu olsun değilim miyim musun misin mısın var mı yapalım hadi haydi
        aynen harika süper eyvallah peki sağolun teşekkürler ederim anladım anlaşıldı anladım
        kesinlikle bence tabi kolay gelsin geçmiş günler geceler akşamlar günaydın görüşürüz
        hoşçakal hoşça kal maşallah inşallah valla vallahi yaa cidden gerçekten aslında galiba
        sanırım bilmiyorum biliyorum bilmem istiyorum istemiyorum olmaz doğru yanlış fikir fikrim
        sorun önemli rahat dinlen koşu antrenman hafif yavaş hızlı zor biraz az hemen tamamdır
        mükemmel müthiş efsane helal afiyet canım kardeşim hocam dostum haklısın aynen öyle
        buyur kusura bakma geçti bitti yeter oldu mu görüşelim anlat anlatayım yaparız ok zaman
        gün iş gel git yap et ol bazen asla hiçbir herkes şeyler biri başka ayrıca aynı kendi
        senden benden bizi sizi onlar onları onlara orası burası nasılsın iyiyim su""",
    "portuguese": """o a os as um uma uns umas de do da dos das em no na nos nas ao aos à às pelo
        pela pelos pelas que não é e para com por mais mas se eu você vocês ele ela eles elas
        isso isto aquilo muito muita muitos também já foi são está estão estou tem têm tenho
        como quando seu sua seus suas meu minha meus minhas obrigado obrigada sim tudo bem aqui
        agora então ou só mesmo ainda depois até sobre porque onde quem qual nós nosso nossa lhe
        fazer pode posso vou vai olá oi beleza tá né treino hoje amanhã claro
        ok valeu entendi certo certeza legal show bora vamos fechado combinado perfeito ótimo
        ótima boa bom bons boas tchau logo sorte problema problemas verdade exato exatamente
        demais saudade massa top nossa caramba puxa poxa acho sei sabe quero preciso gostei
        adorei sério dia dias noite tarde manhã semana ideia nada coisa coisas gente pessoal
        galera cara mano tô tava fica deixa falou tranquilo suave pronto descansa corrida fácil
        difícil devagar rápido parabéns vlw blz obg deu dá faz tranquila combinado beleza
        entendido firmeza demorou isso aí pois vale sentido parece seguro sem nem lá cá vez sempre
        nunca tempo ser ter estar ir dizer ver dar saber querer poder melhor pior outro outra cada
        todo toda todos todas primeiro grande pequeno novo nova fiz fez numa num dele dela deles
        esse essa esses essas este esta aquele aquela tive teve vamos acho achei quer precisa
        concordo""",
    "spanish": """el la los las un una unos unas de del al en que y o es son está están estoy no
        por para con se su sus lo le les como más pero ya este esta esto estos estas ese esa eso
        sí porque entre cuando muy sin sobre también me hasta hay donde quien desde todo todos
        nos yo tú usted ustedes él ella ellos ellas mi mis tu tus qué cómo dónde cuándo hola
        gracias bueno claro puedo puedes tengo tienes hacer aquí ahora entonces pues vale mucho
        muchos nada algo hoy mañana entrenamiento
        ok genial perfecto entendido entiendo buena buenas buenos buen trabajo suerte idea
        acuerdo listo sale venga vamos chévere chido guay mola bien mal nadie alguien cosa cosas
        día días noche tarde semana ánimo enhorabuena felicidades exacto exactamente cierto
        verdad seguro obvio oye mira ojalá quizá quizás tal vez creo sé sabes quiero quieres
        necesito gusta encanta importa pasa problema problemas serio tranquilo tranquila descansa
        carrera fácil difícil despacio rápido poco demasiado sentido parece gusto adiós chao
        luego pronto igualmente ni plan dale bacán mano cara suave tiene tienen tenemos ser estar
        ir decir ver dar saber querer poder mejor peor otro otra cada siempre nunca tiempo vez aún
        todavía así hice hizo fue era eres soy somos vas va voy hace hacemos quiere necesitas
        todas toda nuestro nuestra vuestro algún alguna ningún ninguna cualquier""",
}

# Word endings (checked on words that are not stopwords); each gives evidence to some languages.
SUFFIXES: tuple[tuple[str, dict[str, float]], ...] = (
    (r"[ıiuü]yor(?:um|sun|uz|sunuz|lar|du|dum|muş)?", {"turkish": 1.0}),
    (r"yor(?:um|sun|uz|sunuz|lar|du|dum)", {"turkish": 1.0}),
    (r"[ae]c[ae](?:k|ğ[ıi]m|ks[ıi]n|ğ[ıi]z)", {"turkish": 1.0}),
    (r"m[ae]k|m[ae]kt[ae]|s[ıi]n[ıi]z|l[ae]r[ıi]m[ıi]z", {"turkish": 1.0}),
    (r"[aeıi]r(?:[ıi]z|[ıi]m|s[ıi]n)|[dt][ıi]k", {"turkish": 1.0}),  # aorist and past: yaparız, hallederim
    (
        r"[dt][ıü][mn]|(?:tt|ld|rd)[iu][mn]|[dt][ıiuü](?:n[ıi]z|l[ae]r)|m[ıiuü]ş",
        {"turkish": 1.0},
    ),  # past: hallettim, geldin, olmuş
    (r"[bcdfghjlmnprstvxz]ou|[bcdfglmnprstv]iu", {"portuguese": 1.0}),  # past: fechou, arrasou, partiu, curtiu
    (r"ção|ções|ões|dade|dades|inho|inha|ável|ível|eiro|eira|[aei]ram|avam", {"portuguese": 1.0}),
    (r"ción|ciones|dad|dades|iendo|ísimo|ísima|aron|ieron|aban", {"spanish": 1.0}),
    (r"mente|ando|ado|ada", {"portuguese": 0.5, "spanish": 0.5}),
    (r"ing|tion|tions|ness|ful|ould|ly", {"english": 1.0}),
)

# Letters that only some of the Latin languages use (counted once per word).
LETTERS: dict[str, dict[str, float]] = {
    "ğ": {"turkish": 1.0},
    "ı": {"turkish": 1.0},
    "ş": {"turkish": 1.0},
    "ö": {"turkish": 1.0},
    "ü": {"turkish": 1.0},
    "ñ": {"spanish": 1.0},
    "ã": {"portuguese": 1.0},
    "õ": {"portuguese": 1.0},
    "ê": {"portuguese": 1.0},
    "ô": {"portuguese": 1.0},
    "à": {"portuguese": 0.5},
    "ç": {"portuguese": 0.5, "turkish": 0.5},
    "â": {"portuguese": 0.5, "turkish": 0.5},
    "î": {"turkish": 0.5},
    "û": {"turkish": 0.5},
    "á": {"portuguese": 0.5, "spanish": 0.5},
    "é": {"portuguese": 0.5, "spanish": 0.5},
    "í": {"portuguese": 0.5, "spanish": 0.5},
    "ó": {"portuguese": 0.5, "spanish": 0.5},
    "ú": {"portuguese": 0.5, "spanish": 0.5},
}

# Spelling that gives a word away when nothing else did: English digraphs no Romance or Turkish
# word has, endings Portuguese and Spanish words do not take, Portuguese nh/lh and -ou, Spanish
# ue. Only words written in lower case, so names and acronyms (TypeScript, CRM) say nothing.
SHAPES: tuple[tuple[str, dict[str, float]], ...] = (
    (r"th|sh|ck|wh|ph|ght|tch|w|ee[^rnm]|oo[dklmnst]|[^aeiouy]y$", {"english": 0.5}),
    (r"^(?:un|in|en)h", {}),  # unhappy, inherit: English prefixes, not Portuguese nh
    (r"nh|lh|ou$", {"portuguese": 0.5}),
    (r"[^qg]ue\w", {"spanish": 0.5}),
    (r"[bcfgkpt]$", {"english": 0.5, "turkish": 0.5}),
    (r"[^aeiou]ed$", {"english": 0.5}),
    (r"d$", {"english": 0.5, "spanish": 0.5}),
)

EN_CLITICS = frozenset({"s", "t", "m", "re", "ll", "ve", "d"})
TR_CLITICS = frozenset(
    """a e ı i u ü ya ye yı yi yu yü da de ta te dan den tan ten ın in un ün nın nin nun nün la
    le yla yle ya ye ndan nden na ne""".split()
)


def word_weights() -> dict[str, dict[str, float]]:
    """Each listed word -> {language: share}; a word in k lists gives each 1/k."""
    owners: dict[str, list[str]] = {}
    for lang, words in STOPWORDS.items():
        for word in sorted(set(words.split())):
            owners.setdefault(word, []).append(lang)
    return {word: {lang: 1.0 / len(langs) for lang in langs} for word, langs in owners.items()}
