"""The San Francisco demo's content in Japanese and Korean (titles, rooms, descriptions; the event's
name, venue, address and practical information), beside the French in demo_data.py."""

# English title -> (title, room, description)
JAPANESE = {
    "Opening plenary": ("開会全体会合", "メインホール", "ホスト国による歓迎の辞とネットワークの使命に関する声明。"),
    "Mission and priorities of the Network": (
        "ネットワークの使命と優先事項",
        "プレシディオ・ルーム",
        "メンバーがネットワーク発足1年目の優先分野に合意します。",
    ),
    "Managing risks from synthetic content": (
        "合成コンテンツのリスク管理",
        "メインホール",
        "合成コンテンツによるリスク低減のための研究課題と資金。",
    ),
    "Joint testing of frontier models: lessons from the first exercise": (
        "フロンティアモデルの共同テスト：第1回演習の教訓",
        "第2会議室",
        "ネットワークによる第1回共同テスト演習の結果。",
    ),
    "Risk assessment science: methods and gaps": (
        "リスク評価の科学：手法と課題",
        "第3会議室",
        "学術界と市民社会の専門家がリスク評価の現状を概観します。",
    ),
    "Heads of delegation": ("代表団長会合", "プレシディオ・ルーム", "代表団長による非公開会合。"),
    "Evaluations and benchmarks: a technical session": (
        "評価とベンチマーク：技術セッション",
        "第3会議室",
        "先進的なAIシステムを評価するための共通手法。",
    ),
    "Information-sharing protocols among institutes": (
        "研究所間の情報共有プロトコル",
        "プレシディオ・ルーム",
        "研究所が評価結果を安全に共有する方法。",
    ),
    "Road to the Paris AI Action Summit": (
        "パリAIアクション・サミットに向けて",
        "メインホール",
        "2025年2月のAIアクション・サミットにネットワークがもたらすもの。",
    ),
    "Joint statement drafting": ("共同声明の起草", "プレシディオ・ルーム", "メンバーが共同声明を最終調整します。"),
}

KOREAN = {
    "Opening plenary": ("개회 전체회의", "메인 홀", "주최국 환영사와 네트워크 사명 선언."),
    "Mission and priorities of the Network": (
        "네트워크의 사명과 우선순위",
        "프레시디오 룸",
        "회원국이 네트워크 첫해의 우선 분야에 합의합니다.",
    ),
    "Managing risks from synthetic content": (
        "합성 콘텐츠 위험 관리",
        "메인 홀",
        "합성 콘텐츠 위험 완화를 위한 연구 의제와 재원.",
    ),
    "Joint testing of frontier models: lessons from the first exercise": (
        "프런티어 모델 공동 시험: 첫 훈련의 교훈",
        "제2회의실",
        "네트워크의 첫 공동 시험 훈련 결과.",
    ),
    "Risk assessment science: methods and gaps": (
        "위험 평가 과학: 방법과 과제",
        "제3회의실",
        "학계와 시민사회 전문가가 위험 평가의 현황을 살펴봅니다.",
    ),
    "Heads of delegation": ("수석대표 회의", "프레시디오 룸", "수석대표 비공개 회의."),
    "Evaluations and benchmarks: a technical session": (
        "평가와 벤치마크: 기술 세션",
        "제3회의실",
        "첨단 AI 시스템 평가를 위한 공통 방법.",
    ),
    "Information-sharing protocols among institutes": (
        "연구소 간 정보 공유 절차",
        "프레시디오 룸",
        "연구소가 평가 결과를 안전하게 공유하는 방법.",
    ),
    "Road to the Paris AI Action Summit": (
        "파리 AI 행동 정상회의를 향하여",
        "메인 홀",
        "2025년 2월 AI 행동 정상회의에 네트워크가 기여할 내용.",
    ),
    "Joint statement drafting": ("공동성명 작성", "프레시디오 룸", "회원국이 공동성명을 최종 조율합니다."),
}

EVENT_JAPANESE = {
    "name_ja": "AI安全研究所国際ネットワーク会合（サンフランシスコ、デモ）",
    "venue_ja": "プレシディオ・ゴールデンゲート・クラブ（サンフランシスコ）",
    "address_ja": "135 Fisher Loop, San Francisco, CA 94129, 米国",
    "practical_information_ja": (
        "毎日8時15分に開場します。保安検査のため、政府発行の写真付き身分証明書をお持ちください。\n"
        "会場は段差がありません。昼食は会場で提供します。食事に関する配慮はご自身のページでお知らせください。"
    ),
}

EVENT_KOREAN = {
    "name_ko": "AI 안전연구소 국제 네트워크 회의(샌프란시스코, 시연)",
    "venue_ko": "프레시디오 골든게이트 클럽(샌프란시스코)",
    "address_ko": "135 Fisher Loop, San Francisco, CA 94129, 미국",
    "practical_information_ko": (
        "매일 오전 8시 15분에 입장을 시작합니다. 보안 검색을 위해 정부 발급 사진 신분증을 지참하십시오.\n"
        "행사장은 단차가 없습니다. 점심은 현장에서 제공되며, 식단 관련 요청은 개인 페이지에 입력하십시오."
    ),
}

# Sample delegates whose emails are in Japanese or Korean (by email address).
JAPANESE_SPEAKERS = {"k.sato@ipa.go.jp", "m.tanaka@ipa.go.jp", "h.yamamoto@example.ac.jp", "ryo.suzuki@example.co.jp"}
KOREAN_SPEAKERS = {"jihoon.kim@etri.re.kr", "seoyeon.lee@msit.go.kr", "minjun.park@example.ac.kr"}
